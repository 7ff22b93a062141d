#!/usr/bin/env bash
# Installs the real programs the test suite drives: curl, OpenBSD netcat, microsocks and Dante.
# Idempotent: installs only what is missing, and refreshes the package lists only then.
set -euo pipefail

need=()
command -v curl >/dev/null || need+=(curl)
{ command -v nc >/dev/null && nc -h 2>&1 | grep -q OpenBSD; } || need+=(netcat-openbsd)
command -v microsocks >/dev/null || need+=(microsocks)
[[ -x /usr/sbin/danted ]] || need+=(dante-server)

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
