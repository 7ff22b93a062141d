#!/usr/bin/env bash
# Runs every test from a fresh machine: installs the programs the tests drive, then the Maven
# build with formatting and static checks. Missing programs fail the run instead of skipping.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

scripts/install-test-deps.sh
exec mvn -B verify -Dtailgate.requireTools=true "$@"
