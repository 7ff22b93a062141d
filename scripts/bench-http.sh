#!/usr/bin/env bash
# Benchmarks plain HTTP forwarding (http_proxy) through tailgate beside tinyproxy and Squid, and
# straight to the server: keep-alive small GETs (requests/s, p50, p99) and one large GET (MB/s), on
# loopback only. The ways take turns in rounds of one run, so that a noisy machine hurts them alike.
# See docs/performance.md.
#
# usage: scripts/bench-http.sh [--requests N] [--rounds N] [--big-mib N] [--out FILE] [--before JAR|LAUNCHER]
#
# --before runs a second tailgate from another build beside it ("before"), in the same rounds, so
# that a change is measured against the build before it in one run (the machine is shared: compare
# ratios, not figures from different runs).
#
# Writes the report to docs/http-latest.txt (or --out) and prints it. Installs what it lacks with
# apt-get (as root). Stops every process it started when it exits, however it exits.
set -euo pipefail

readonly BENCH_MAIN=dev.tailgate.bench.HttpBench
readonly BENCH_HARD_LIMIT=1800s

bench_name=bench-http
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

requests=20000
rounds=5
big_mib=1024
out=docs/http-latest.txt
before=""

parse_options "--requests=requests --rounds=rounds --big-mib=big_mib --out=out --before=before" "$@"
[[ $requests =~ ^[1-9][0-9]{0,7}$ ]] || die "--requests wants a whole number from 1 to 99999999"
[[ $rounds =~ ^[1-9][0-9]{0,3}$ ]] || die "--rounds wants a whole number from 1 to 9999"
[[ $big_mib =~ ^[1-9][0-9]{0,5}$ ]] || die "--big-mib wants a whole number from 1 to 999999"
[[ -z $before || -f $before ]] || die "--before wants the path of a tailgate.jar or a scripts/tailgate"

need java openjdk-17-jdk-headless
need mvn maven
need nc netcat-openbsd
need tinyproxy tinyproxy
need squid squid
install_missing

build

tailgate_port=$(free_port)
tinyproxy_port=$(free_port)
squid_port=$(free_port)

# As users start it (scripts/tailgate: the JVM flags and class-data sharing of `up`), as
# bench-relay does (TAILGATE_JAVA_OPTS replaces up's JVM flags there).
up_flags=(up --no-bootstrap --upstream direct --admin off --allow '127.0.0.1:*')
scripts/tailgate "${up_flags[@]}" --listen "127.0.0.1:$tailgate_port" \
  --log-file "$work/tailgate-connections.log" >"$work/tailgate.out" 2>"$work/tailgate.err" &
tailgate_pid=$!
pids+=("$tailgate_pid")

before_proxy=()
if [[ -n $before ]]; then
  start_before "$before" "${up_flags[@]}"
  before_proxy=(--proxy "before=127.0.0.1:$before_port")
fi

# Each proxy logs every request, as tailgate does (its connection log cannot be turned off):
# tinyproxy at its Connect level, Squid its access log, both to files.
# tinyproxy in the foreground, loopback only.
# As root both drop to another user (nobody, proxy), who must reach their log dirs.
chmod o+x "$work"
mkdir -p "$work/tinyproxy"
chmod 0777 "$work/tinyproxy"
cat >"$work/tinyproxy.conf" <<CONF
Port $tinyproxy_port
Listen 127.0.0.1
Timeout 600
MaxClients 200
Allow 127.0.0.1
LogLevel Connect
LogFile "$work/tinyproxy/tinyproxy.log"
$( ((EUID == 0)) && printf 'User nobody\nGroup nogroup\n')
CONF
tinyproxy -d -c "$work/tinyproxy.conf" >"$work/tinyproxy.out" 2>&1 &
tinyproxy_pid=$!
pids+=("$tinyproxy_pid")

# Squid in the foreground as a forwarding proxy that caches nothing and logs nothing per request.
mkdir -p "$work/squid"
chmod 0777 "$work/squid"
cat >"$work/squid.conf" <<CONF
http_port 127.0.0.1:$squid_port
acl localhost src 127.0.0.1/32
http_access allow localhost
http_access deny all
cache deny all
cache_mem 8 MB
access_log stdio:$work/squid/access.log
cache_store_log none
cache_log $work/squid/cache.log
pid_filename $work/squid/squid.pid
coredump_dir $work/squid
shutdown_lifetime 1 seconds
workers 1
CONF
squid -N -f "$work/squid.conf" >"$work/squid.out" 2>&1 &
squid_pid=$!
pids+=("$squid_pid")

wait_ready tailgate "$tailgate_pid" "$tailgate_port" "$work/tailgate.err" '^tailgate: relay on'
wait_ready tinyproxy "$tinyproxy_pid" "$tinyproxy_port" "$work/tinyproxy.out"
wait_ready squid "$squid_pid" "$squid_port" "$work/squid.out"
echo "bench-http: tailgate :$tailgate_port, tinyproxy :$tinyproxy_port, squid :$squid_port" >&2

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_before=$(load_average)
run_bench "$BENCH_HARD_LIMIT" java -cp "$classpath" "$BENCH_MAIN" \
  --requests "$requests" --rounds "$rounds" --big-mib "$big_mib" \
  --proxy "tailgate=127.0.0.1:$tailgate_port" \
  --proxy "tinyproxy=127.0.0.1:$tinyproxy_port" \
  --proxy "squid=127.0.0.1:$squid_port" \
  "${before_proxy[@]}" >"$work/report.md"

{
  echo "# Plain HTTP benchmark, $started"
  echo
  echo "Command: scripts/bench-http.sh --requests $requests --rounds $rounds --big-mib $big_mib${before:+ --before $before}"
  echo
  machine_lines
  echo "- tailgate started by scripts/tailgate as users start it (up's JVM flags unless TAILGATE_JAVA_OPTS)${before:+; before: $before}"
  echo "- load average before: $load_before, after: $(load_average)"
  echo "- tinyproxy: $(tinyproxy -v 2>&1 | head -n1) (Debian $(dpkg-query -W -f='${Version}' tinyproxy 2>/dev/null || echo '?'))"
  echo "- squid: $(squid -v 2>&1 | head -n1 | sed 's/ for .*//') (Debian $(dpkg-query -W -f='${Version}' squid 2>/dev/null || echo '?'))"
  tailgate_log_line
  echo "- tinyproxy log: $(grep -c 'Established connection' "$work/tinyproxy/tinyproxy.log" 2>/dev/null || echo 0) connections; squid access log: $(wc -l <"$work/squid/access.log" 2>/dev/null || echo 0) lines"
  echo
  cat "$work/report.md"
} >"$work/http.txt"

mkdir -p "$(dirname "$out")"
cp "$work/http.txt" "$out"
cat "$out"
echo "bench-http: written to $out" >&2
