#!/usr/bin/env bash
# Measures what tailgate costs from `tailgate up` to the first relayed connection: tailgate in
# bootstrap mode against the tailscaled test double (src/test/fakes), interleaved with the same
# double started by hand from a shell. Loopback only. See docs/performance.md, "Start-up".
#
# usage: scripts/bench-startup.sh [RUNS] [NAME=LAUNCHER ...]
#   RUNS      runs per variant (default 15); writes docs/startup-latest.txt
#   NAME=...  more tailgate launchers to interleave with this checkout's scripts/tailgate, e.g.
#             before=/tmp/old/scripts/tailgate (a copy of the launcher beside its target/tailgate.jar)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
runs=${1:-15}
if ! [[ $runs =~ ^[0-9]+$ ]] || ((runs < 1 || runs > 200)); then
  echo "bench-startup: RUNS must be 1..200" >&2
  exit 2
fi
shift || true
command -v python3 >/dev/null || { echo "bench-startup: python3 is needed for the tailscaled test double" >&2; exit 1; }
mvn -B -q -Dstyle.color=never -DskipTests -Dspotless.check.skip=true package >&2
variants=(--variant "tailgate=$root/scripts/tailgate")
for v in "$@"; do variants+=(--variant "$v"); done
timeout 1800s python3 scripts/bench-startup.py --runs "$runs" --out docs/startup-latest.txt "${variants[@]}"
