#!/usr/bin/env bash
# Measures how long clients notice a killed tailscaled: SIGKILL the daemon (the test double under
# src/test/fakes) while a client connects every 10 ms through the relay, and compare the daemon's
# own restart time with the next client success. Loopback only. See docs/performance.md.
#
# usage: scripts/bench-recovery.sh [ROUNDS]   (default 5; writes docs/recovery-latest.txt)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
rounds=${1:-5}
if ! [[ $rounds =~ ^[0-9]+$ ]] || ((rounds < 1 || rounds > 100)); then
  echo "bench-recovery: ROUNDS must be 1..100" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "bench-recovery: python3 is needed for the tailscaled test double" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mvn -B -q -Dstyle.color=never -Dspotless.check.skip=true test-compile >&2
mvn -B -q -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" >&2
timeout 900s java -cp "target/test-classes:target/classes:$(cat "$work/classpath.txt")" \
  dev.tailgate.bench.RecoveryBench "$rounds" docs/recovery-latest.txt
