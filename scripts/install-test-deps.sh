#!/usr/bin/env bash
# Installs the real programs the test suite drives: curl, OpenBSD netcat, microsocks and Dante,
# python3 for the test doubles of tailscaled and tailscale, node for the PAC file, Chromium for the
# browser tests, OpenSSH (client and a throwaway sshd on loopback) and Ansible (ansible-core) for
# the Ansible end-to-end tests.
# Idempotent: installs only what is missing, and refreshes the package lists only then.
set -euo pipefail

need=()
command -v curl >/dev/null || need+=(curl)
{ command -v nc >/dev/null && nc -h 2>&1 | grep -q OpenBSD; } || need+=(netcat-openbsd)
command -v microsocks >/dev/null || need+=(microsocks)
[[ -x /usr/sbin/danted ]] || need+=(dante-server)
command -v python3 >/dev/null || need+=(python3)
command -v setsid >/dev/null || need+=(util-linux)
command -v node >/dev/null || need+=(nodejs)
command -v chromium >/dev/null || need+=(chromium fonts-dejavu-core)
{ command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; } || need+=(openssh-client)
[[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
{ command -v ansible-playbook >/dev/null && command -v ansible-inventory >/dev/null; } || need+=(ansible-core)

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    sudo=sudo
  else
    sudo=
  fi
  echo "install-test-deps: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
