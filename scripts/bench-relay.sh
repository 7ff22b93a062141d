#!/usr/bin/env bash
# Benchmarks tailgate beside Dante and microsocks, and against no proxy at all, on loopback only:
# connect-plus-first-echo latency after a short and after a long warm-up, sequential connections
# per second, one stream's throughput and the CPU each proxy's process tree spends per GiB. The
# proxies run side by side in one run and take turns, so that a noisy machine hurts them all alike.
# The client is scripts/bench-relay.py (Python: no code shared with tailgate). See
# docs/performance.md.
#
# usage: scripts/bench-relay.sh [--bulk-mib N] [--iterations N] [--short-warmup N] [--long-warmup N] [--conn-count N] [--idle SECONDS] [--out FILE] [--before JAR|LAUNCHER] [--netty-floor]
#
# tailgate runs as users start it: `scripts/tailgate up --no-bootstrap --upstream direct` (the
# launcher's JVM flags and class-data-sharing archive). Once every proxy listens, the run leaves them
# idle for --idle seconds (default 3) before its first client, as a relay started with its container
# waits for its first ssh: tailgate's warm-up at start (decision 19) runs then. --idle 0 sends the
# first client at once, which stops that warm-up where it is. --before runs a second tailgate from another
# build beside it ("before"), so that a change is measured against the commit before it in the same
# run: a jar (run with `java -jar`) or another checkout's scripts/tailgate (its own flags and archive;
# a copy of a launcher beside target/tailgate.jar in a directory of its own will do).
# --netty-floor adds "netty": scripts/bench/NettyFloor.java, the least a SOCKS5 relay on netty can do
# (netty's codecs, a dial and a splice, no allowlist, log or limits), with the launcher's JVM flags
# for up, so that what netty costs and what tailgate adds to it are told apart.
#
# Writes the report to docs/relay-latest.txt (or --out) and prints it. Installs what it lacks
# with apt-get (as root). Stops every process it started when it exits, however it exits.
set -euo pipefail

readonly BENCH_HARD_LIMIT=3600s # the client is killed after this long, whatever it is doing

bench_name=bench-relay
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

bulk_mib=1024
iterations=1000
short_warmup=50
long_warmup=5000
conn_count=2000
idle=3
out=docs/relay-latest.txt
before=""
netty_floor=""

parse_options "--bulk-mib=bulk_mib --iterations=iterations --short-warmup=short_warmup \
--long-warmup=long_warmup --conn-count=conn_count --idle=idle --out=out --before=before \
--netty-floor=netty_floor!" "$@"
number() { [[ $2 =~ ^[0-9]{1,7}$ ]] || die "$1 wants a whole number from 0 to 9999999"; }
number --bulk-mib "$bulk_mib"
number --iterations "$iterations"
number --short-warmup "$short_warmup"
number --long-warmup "$long_warmup"
number --conn-count "$conn_count"
[[ $idle =~ ^[0-9]{1,2}$ ]] || die "--idle wants whole seconds from 0 to 99"
((bulk_mib > 0 && iterations > 0 && conn_count > 0)) || die "--bulk-mib, --iterations and --conn-count want 1 or more"
[[ -z $before || -f $before ]] || die "--before wants the path of a tailgate.jar or a scripts/tailgate"

# ---- What the machine lacks, installed the Debian way ------------------------------------------

need java openjdk-17-jdk-headless
need mvn maven
need python3 python3
need danted dante-server
need microsocks microsocks
need nc netcat-openbsd
install_missing

# ---- Build: the launcher builds the jar and trains its archive on first use --------------------

scripts/tailgate --version >/dev/null

# ---- Start the proxies side by side ------------------------------------------------------------

tailgate_port=$(free_port)
dante_port=$(free_port)
microsocks_port=$(free_port)

up_flags=(up --no-bootstrap --upstream direct --admin off --allow '127.0.0.1:*')

scripts/tailgate "${up_flags[@]}" --listen "127.0.0.1:$tailgate_port" \
  --log-file "$work/tailgate-connections.log" >"$work/tailgate.out" 2>"$work/tailgate.err" &
tailgate_pid=$!
pids+=("$tailgate_pid")
start_dante "$dante_port" -N 2

before_proxy=()
if [[ -n $before ]]; then
  start_before "$before" "${up_flags[@]}"
  before_proxy=(--proxy "before=127.0.0.1:$before_port" --pid "before=$before_pid")
fi

floor_proxy=()
if [[ -n $netty_floor ]]; then
  netty_port=$(free_port)
  # shellcheck disable=SC2086 # the launcher's flags for up, split into words as it splits them
  java ${TAILGATE_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1} -cp target/tailgate.jar \
    scripts/bench/NettyFloor.java "$netty_port" >"$work/netty.out" 2>"$work/netty.err" &
  netty_pid=$!
  pids+=("$netty_pid")
  wait_ready netty "$netty_pid" "$netty_port" "$work/netty.err" '^netty-floor: listening'
  floor_proxy=(--proxy "netty=127.0.0.1:$netty_port" --pid "netty=$netty_pid")
fi

microsocks -i 127.0.0.1 -p "$microsocks_port" >"$work/microsocks.log" 2>&1 &
microsocks_pid=$!
pids+=("$microsocks_pid")

wait_ready tailgate "$tailgate_pid" "$tailgate_port" "$work/tailgate.err" '^tailgate: relay on'
wait_ready dante "$dante_pid" "$dante_port" "$work/danted.out"
wait_ready microsocks "$microsocks_pid" "$microsocks_port" "$work/microsocks.log"
echo "bench-relay: tailgate :$tailgate_port, dante :$dante_port, microsocks :$microsocks_port; idle ${idle} s before the first client" >&2
sleep "$idle"

# ---- Measure -----------------------------------------------------------------------------------

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_before=$(load_average)
run_bench "$BENCH_HARD_LIMIT" python3 scripts/bench-relay.py \
  --bulk-mib "$bulk_mib" --iterations "$iterations" --short-warmup "$short_warmup" \
  --long-warmup "$long_warmup" --conn-count "$conn_count" \
  --proxy "tailgate=127.0.0.1:$tailgate_port" --pid "tailgate=$tailgate_pid" \
  --proxy "dante=127.0.0.1:$dante_port" --pid "dante=$dante_pid" \
  --proxy "microsocks=127.0.0.1:$microsocks_port" --pid "microsocks=$microsocks_pid" \
  "${before_proxy[@]}" "${floor_proxy[@]}" >"$work/report.md"

# ---- Report ------------------------------------------------------------------------------------

{
  echo "# Relay benchmark, $started"
  echo
  echo "Command: scripts/bench-relay.sh --bulk-mib $bulk_mib --iterations $iterations --short-warmup $short_warmup --long-warmup $long_warmup --conn-count $conn_count --idle $idle${before:+ --before $before}${netty_floor:+ --netty-floor}"
  echo
  machine_lines
  echo "- tailgate's launch: scripts/tailgate ${up_flags[*]} (TAILGATE_JAVA_OPTS: ${TAILGATE_JAVA_OPTS:-unset: the flags of the launcher})"
  dante_line
  echo "- dante's launch: danted -N 2"
  [[ -z $netty_floor ]] || echo "- netty: scripts/bench/NettyFloor.java on netty $(sed -n "s:.*<netty.version>\(.*\)</netty.version>.*:\1:p" pom.xml) (tailgate's jar), JVM flags: ${TAILGATE_JAVA_OPTS:-those of the launcher for up}"
  echo "- microsocks: Debian package $(dpkg-query -W -f='${Version}' microsocks 2>/dev/null || echo '?') (it has no version flag)"
  echo "- load average: $load_before at the start, $(load_average) at the end"
  tailgate_log_line
  echo
  cat "$work/report.md"
} >"$work/relay.txt"

mkdir -p "$(dirname "$out")"
cp "$work/relay.txt" "$out"
cat "$out"
echo "bench-relay: written to $out" >&2
