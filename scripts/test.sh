#!/usr/bin/env bash
# Runs every test from a fresh machine: installs the programs the tests drive, then the Maven
# build with formatting and static checks. Missing programs fail the run instead of skipping.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

scripts/install-test-deps.sh
# The e2e test's real tailscaled, tailscale and headscale (built once, cached in ~/.cache/tailgate),
# sshd and Chromium: docs/e2e.md.
scripts/e2e/install.sh
# podman, its base image and the Dev Containers CLI for the container tests (docs/container.md);
# where podman cannot run a container, those tests are skipped, saying why.
scripts/install-podman.sh || echo "test: podman cannot run containers here; the container tests will be SKIPPED" >&2
# ansible-core from PyPI, pinned, in a cached venv: the inventory plugin's tests (ansible/collections).
scripts/install-ansible.sh >/dev/null
# The test doubles of tailscaled and tailscale prove themselves first: the Java tests lean on them.
src/test/fakes/selftest.sh
exec mvn -B verify -Dtailgate.requireTools=true "$@"
