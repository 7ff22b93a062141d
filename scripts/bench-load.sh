#!/usr/bin/env bash
# Holds thousands of SOCKS5 tunnels open at once through tailgate and through Dante, in turn in one
# run, each echoing a small message every few seconds, and measures connections established,
# failures, the echo round trip and each proxy's memory at idle, at peak and after. Loopback only.
# See docs/performance.md.
#
# usage: scripts/bench-load.sh [--connections N] [--hold-seconds N] [--out FILE]
#
# Writes the report to docs/load-latest.txt (or --out) and prints it. Installs what it lacks with
# apt-get (as root). Raises its open-files limit (ulimit -n) for the load. Stops every process it
# started when it exits, however it exits.
set -euo pipefail

readonly BENCH_MAIN=dev.tailgate.bench.LoadBench
readonly BENCH_MAX_MINUTES=30 # the benchmark gives up by itself after this long
readonly BENCH_HARD_LIMIT=40m # and is killed after this long, whatever it is doing
readonly FD_RESERVE=300       # descriptors a JVM needs besides the connections (jars, epoll, logs)

bench_name=bench-load
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

connections=10000
hold=60
out=docs/load-latest.txt

parse_options "--connections=connections --hold-seconds=hold --out=out" "$@"
[[ $connections =~ ^[1-9][0-9]{0,5}$ ]] || die "--connections wants a whole number from 1 to 999999"
[[ $hold =~ ^[1-9][0-9]{0,4}$ ]] || die "--hold-seconds wants a whole number from 1 to 99999"

need java openjdk-17-jdk-headless
need javac openjdk-17-jdk-headless
need mvn maven
need danted dante-server
need nc netcat-openbsd
install_missing

# ---- Open files --------------------------------------------------------------------------------

# Each relayed connection is two descriptors in the proxy (client and target side), and two in the
# benchmark's JVM (its client socket and the echo server's). Raise the limit to what that needs; a
# hard limit this process may not raise (no CAP_SYS_RESOURCE) caps the connections instead, and
# the report says so.
requested=$connections
wanted=$((2 * connections + FD_RESERVE))
if (($(ulimit -Hn) < wanted)); then
  ulimit -Hn "$wanted" 2>/dev/null || echo "$bench_name: may not raise the hard open-files limit $(ulimit -Hn) to $wanted" >&2
fi
ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)
fd_note="ulimit -n raised to $fd_limit for the proxies and the benchmark (the load needs $wanted)"
if ((fd_limit < wanted)); then
  connections=$(((fd_limit - FD_RESERVE) / 2))
  fd_note="the hard open-files limit here is $fd_limit and this process may not raise it, so $connections connections (each is 2 descriptors per process) instead of the $requested asked for"
  echo "$bench_name: $fd_note" >&2
fi
# tailgate refuses connections beyond --max-connections and --max-per-client (both 10000 by
# default; every client here is 127.0.0.1): admit the load with a margin.
limit=$((connections + connections / 10 + 100))

build

# ---- Start the proxies side by side ------------------------------------------------------------

tailgate_port=$(free_port)
dante_port=$(free_port)
start_tailgate "$tailgate_port" --max-connections "$limit" --max-per-client "$limit"
start_dante "$dante_port"
wait_ready tailgate "$tailgate_pid" "$tailgate_port" "$work/tailgate.err" '^tailgate: relay on'
wait_ready dante "$dante_pid" "$dante_port" "$work/danted.out"
echo "$bench_name: tailgate :$tailgate_port (pid $tailgate_pid), dante :$dante_port (pid $dante_pid)" >&2

# ---- Measure -----------------------------------------------------------------------------------

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_start=$(load_average)
run_bench "$BENCH_HARD_LIMIT" java -cp "$classpath" "$BENCH_MAIN" \
  --connections "$connections" --hold-seconds "$hold" --max-minutes "$BENCH_MAX_MINUTES" \
  --proxy "tailgate=127.0.0.1:$tailgate_port" --pid "tailgate=$tailgate_pid" \
  --proxy "dante=127.0.0.1:$dante_port" --pid "dante=$dante_pid" >"$work/report.md"
load_end=$(load_average)

# ---- Report ------------------------------------------------------------------------------------

{
  echo "# Load benchmark, $started"
  echo
  echo "Command: scripts/bench-load.sh --connections $requested --hold-seconds $hold"
  echo
  machine_lines
  dante_line
  echo "- open files: $fd_note"
  echo "- tailgate limits: --max-connections $limit --max-per-client $limit (the load plus 10 % and 100)"
  echo "- load average (1, 5, 15 min): $load_start at the start, $load_end at the end"
  tailgate_log_line
  echo
  cat "$work/report.md"
} >"$work/load.txt"

mkdir -p "$(dirname "$out")"
cp "$work/load.txt" "$out"
cat "$out"
echo "$bench_name: written to $out" >&2
