#!/usr/bin/env bash
# Benchmarks tailgate beside Dante and microsocks, and against no proxy at all: bulk throughput of
# one stream and connect-plus-first-echo latency, on loopback only. The proxies run side by side in
# one run and take turns, so that a noisy machine hurts them all alike. See docs/performance.md.
#
# usage: scripts/bench-relay.sh [--bulk-mib N] [--iterations N] [--warmup N] [--out FILE] [--before JAR]
#
# --before JAR runs a second tailgate from another build's jar beside this one ("before"), so that a
# change is measured against the commit before it in the same run.
#
# Writes the report to docs/performance-latest.txt (or --out) and prints it. Installs what it lacks
# with apt-get (as root). Stops every process it started when it exits, however it exits.
set -euo pipefail

readonly BENCH_MAIN=dev.tailgate.bench.RelayBench
readonly BENCH_MAX_MINUTES=50     # the benchmark gives up by itself after this long
readonly BENCH_HARD_LIMIT=3600s   # and is killed after this long, whatever it is doing

bench_name=bench-relay
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

bulk_mib=1024
iterations=2000
warmup=500
out=docs/performance-latest.txt
before=""

parse_options "--bulk-mib=bulk_mib --iterations=iterations --warmup=warmup --out=out --before=before" "$@"
[[ $bulk_mib =~ ^[1-9][0-9]{0,5}$ ]] || die "--bulk-mib wants a whole number from 1 to 999999"
[[ $iterations =~ ^[1-9][0-9]{0,6}$ ]] || die "--iterations wants a whole number from 1 to 9999999"
[[ $warmup =~ ^[0-9]{1,7}$ ]] || die "--warmup wants a whole number from 0 to 9999999"
[[ -z $before || -f $before ]] || die "--before wants the path of a tailgate.jar"

# ---- What the machine lacks, installed the Debian way ------------------------------------------

need java openjdk-17-jdk-headless
need javac openjdk-17-jdk-headless
need mvn maven
need danted dante-server
need microsocks microsocks
need nc netcat-openbsd
install_missing

# ---- Build -------------------------------------------------------------------------------------

build

# ---- Start the proxies side by side ------------------------------------------------------------

tailgate_port=$(free_port)
dante_port=$(free_port)
microsocks_port=$(free_port)

start_tailgate "$tailgate_port"
start_dante "$dante_port"

before_proxy=()
if [[ -n $before ]]; then
  before_port=$(free_port)
  # shellcheck disable=SC2086 # the options are meant to split into words
  java $tailgate_java_opts -jar "$before" up --no-bootstrap --upstream direct --admin off \
    --listen "127.0.0.1:$before_port" --allow '127.0.0.1:*' \
    --log-file "$work/before-connections.log" >"$work/before.out" 2>"$work/before.err" &
  before_pid=$!
  pids+=("$before_pid")
  wait_ready before "$before_pid" "$before_port" "$work/before.err" '^tailgate: relay on'
  before_proxy=(--proxy "before=127.0.0.1:$before_port")
fi

microsocks -i 127.0.0.1 -p "$microsocks_port" >"$work/microsocks.log" 2>&1 &
microsocks_pid=$!
pids+=("$microsocks_pid")

wait_ready tailgate "$tailgate_pid" "$tailgate_port" "$work/tailgate.err" '^tailgate: relay on'
wait_ready dante "$dante_pid" "$dante_port" "$work/danted.out"
wait_ready microsocks "$microsocks_pid" "$microsocks_port" "$work/microsocks.log"
echo "bench-relay: tailgate :$tailgate_port, dante :$dante_port, microsocks :$microsocks_port" >&2

# ---- Measure -----------------------------------------------------------------------------------

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
run_bench "$BENCH_HARD_LIMIT" java -cp "$classpath" "$BENCH_MAIN" \
  --bulk-mib "$bulk_mib" --iterations "$iterations" --warmup "$warmup" --max-minutes "$BENCH_MAX_MINUTES" \
  --proxy "tailgate=127.0.0.1:$tailgate_port" \
  --proxy "dante=127.0.0.1:$dante_port" \
  --proxy "microsocks=127.0.0.1:$microsocks_port" "${before_proxy[@]}" >"$work/report.md"

# ---- Report ------------------------------------------------------------------------------------

{
  echo "# Relay benchmark, $started"
  echo
  echo "Command: scripts/bench-relay.sh --bulk-mib $bulk_mib --iterations $iterations --warmup $warmup${before:+ --before $before}"
  echo
  machine_lines
  dante_line
  echo "- microsocks: Debian package $(dpkg-query -W -f='${Version}' microsocks 2>/dev/null || echo '?') (it has no version flag)"
  tailgate_log_line
  echo
  cat "$work/report.md"
} >"$work/performance.txt"

mkdir -p "$(dirname "$out")"
cp "$work/performance.txt" "$out"
cat "$out"
echo "bench-relay: written to $out" >&2
