#!/usr/bin/env bash
# Soaks tailgate in bootstrap mode in front of the tailscaled test double (src/test/fakes): short,
# bulk and idle connections for N minutes, the daemon killed with SIGKILL at 1/3 and 2/3; counts
# lost connections and compares tailgate's descriptors, RSS and heap after a GC at the start and
# the end. Loopback only. See docs/performance.md.
#
# usage: scripts/bench-soak.sh [--minutes N] [--out FILE]
#
# Writes the report to docs/soak-latest.txt (or --out) and prints it. Stops every process it
# started when it exits, however it exits: the benchmark (which stops tailgate and the daemon
# double itself), then anything still running with this run's temp dir on its command line.
set -euo pipefail

readonly BENCH_MAIN=dev.tailgate.bench.SoakBench

bench_name=bench-soak
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

minutes=10
out=docs/soak-latest.txt
parse_options "--minutes=minutes --out=out" "$@"
[[ $minutes =~ ^[1-9][0-9]{0,2}$ ]] || die "--minutes wants a whole number from 1 to 999"

need java openjdk-17-jdk-headless
need javac openjdk-17-jdk-headless
need jcmd openjdk-17-jdk-headless
need mvn maven
need python3 python3
need setsid util-linux
install_missing

# tailgate and the daemon double run with this run's temp dir in their arguments; the benchmark
# stops them, and this catches what a killed benchmark could not (by pid, never by name).
before_cleanup() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [[ $pid == "$$" ]] && continue
    if { tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null | grep -qF -- "$work/"; then
      echo "$bench_name: stopping leftover process $pid" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

build

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
# The soak, the warm-up and the settling, plus 10 minutes for the rest.
run_bench "$((minutes + 10))m" java -cp "target/classes:$classpath" "$BENCH_MAIN" \
  --minutes "$minutes" --dir "$work/soak" --jar target/tailgate.jar --out "$work/report.md" >/dev/null

{
  echo "# Soak benchmark, $started"
  echo
  echo "Command: scripts/bench-soak.sh --minutes $minutes"
  echo
  machine_lines
  echo "- tailscaled: the test double src/test/fakes/tailscaled ($(python3 --version 2>&1))"
  echo
  cat "$work/report.md"
} >"$work/soak.txt"

mkdir -p "$(dirname "$out")"
cp "$work/soak.txt" "$out"
cat "$out"
echo "$bench_name: written to $out" >&2
