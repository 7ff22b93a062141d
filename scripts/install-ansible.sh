#!/usr/bin/env bash
# Installs ansible-core from PyPI at a pinned version into a virtualenv cached in
# $TAILGATE_CACHE/ansible-core-VERSION (default ~/.cache/tailgate), for the tests of the inventory
# plugin (ansible/collections/.../tailgate/tailnet): ansible-galaxy, ansible-inventory, ansible.
# Debian's ansible-core (scripts/install-test-deps.sh) is older than the one users get from pip;
# the plugin is tested against this one (AnsibleCore in the tests looks here first).
# Idempotent: a venv whose ansible reports the pinned version is kept. Prints the venv's bin dir.
set -euo pipefail

ANSIBLE_CORE_VERSION=2.17.7
cache=${TAILGATE_CACHE:-$HOME/.cache/tailgate}
venv=$cache/ansible-core-$ANSIBLE_CORE_VERSION
python=${PYTHON:-python3}

# .installed is written last: a venv without it is half built (an interrupted run) and redone.
if [[ -f $venv/.installed ]]; then
  echo "$venv/bin"
  exit 0
fi
echo "install-ansible: installing ansible-core $ANSIBLE_CORE_VERSION from PyPI into $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$ANSIBLE_CORE_VERSION" >&2
version=$("$venv/bin/ansible-inventory" --version)
if [[ $version != *"core $ANSIBLE_CORE_VERSION]"* ]]; then
  echo "install-ansible: $venv/bin/ansible-inventory reports '${version%%$'\n'*}', expected $ANSIBLE_CORE_VERSION" >&2
  exit 1
fi
touch "$venv/.installed"
echo "$venv/bin"
