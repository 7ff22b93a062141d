#!/usr/bin/env bash
# Benchmarks tailgate beside Dante and microsocks, and against no proxy at all: bulk throughput of
# one stream and connect-plus-first-echo latency, on loopback only. The proxies run side by side in
# one run and take turns, so that a noisy machine hurts them all alike. See docs/performance.md.
#
# usage: scripts/bench-relay.sh [--bulk-mib N] [--iterations N] [--warmup N] [--out FILE]
#
# Writes the report to docs/performance-latest.txt (or --out) and prints it. Installs what it lacks
# with apt-get (as root). Stops every process it started when it exits, however it exits.
set -euo pipefail

readonly BENCH_MAIN=dev.tailgate.bench.RelayBench
readonly START_TIMEOUT_TENTHS=300 # 30 s for a proxy to listen
readonly STOP_TIMEOUT_TENTHS=50   # 5 s for a proxy to stop after SIGTERM
readonly BENCH_MAX_MINUTES=50     # the benchmark gives up by itself after this long
readonly BENCH_HARD_LIMIT=3600s   # and is killed after this long, whatever it is doing

bulk_mib=1024
iterations=2000
warmup=500
out=docs/performance-latest.txt

usage() {
  grep -m1 '^# usage:' "$0" | sed 's/^# //'
}

die() {
  echo "bench-relay: $*" >&2
  exit 1
}

while (($#)); do
  case "$1" in
    --bulk-mib | --iterations | --warmup | --out)
      (($# >= 2)) || die "$1 needs a value"
      case "$1" in
        --bulk-mib) bulk_mib=$2 ;;
        --iterations) iterations=$2 ;;
        --warmup) warmup=$2 ;;
        --out) out=$2 ;;
      esac
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown option $1 ($(usage))" ;;
  esac
done
[[ $bulk_mib =~ ^[1-9][0-9]{0,5}$ ]] || die "--bulk-mib wants a whole number from 1 to 999999"
[[ $iterations =~ ^[1-9][0-9]{0,6}$ ]] || die "--iterations wants a whole number from 1 to 9999999"
[[ $warmup =~ ^[0-9]{1,7}$ ]] || die "--warmup wants a whole number from 0 to 9999999"

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# ---- What the machine lacks, installed the Debian way ------------------------------------------

missing=()
need() { # COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]] || missing+=("$2")
}
need java openjdk-17-jdk-headless
need javac openjdk-17-jdk-headless
need mvn maven
need danted dante-server
need microsocks microsocks
need nc netcat-openbsd
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  ((EUID == 0)) || die "missing packages: ${missing[*]}; install them, or run this as root"
  echo "bench-relay: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${missing[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; }
fi
danted_bin=$(command -v danted || echo /usr/sbin/danted)

# ---- Processes, and their cleanup on any exit --------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/tailgate-bench.XXXXXX")
pids=()

alive() { # PID: running, not merely a zombie waiting to be reaped
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

stop() { # PID: SIGTERM, a bounded wait, then SIGKILL; reaps it
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT_TENTHS; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    echo "bench-relay: process $pid ignored SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget "$pid"
}

forget() { # PID: reaped already, so cleanup must not signal it (the number may be reused)
  local kept=() p
  for p in "${pids[@]}"; do
    [[ $p == "$1" ]] || kept+=("$p")
  done
  pids=("${kept[@]}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do # the benchmark first, then the proxies
    stop "${pids[i]}"
  done
  if ((rc == 0)); then
    rm -rf "$work"
  else
    echo "bench-relay: failed (exit $rc); logs kept in $work" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

used_ports=()
free_port() { # a loopback TCP port no socket uses now, and not handed out already in this run
  local port hex i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 30000))
    [[ " ${used_ports[*]} " == *" $port "* ]] && continue
    printf -v hex ':%04X ' "$port"
    grep -qi -- "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null && continue
    used_ports+=("$port")
    echo "$port"
    return 0
  done
  die "found no free loopback port in 200 tries"
}

wait_ready() { # NAME PID PORT LOG [READY-PATTERN]: until it listens (or its ready line shows)
  local name=$1 pid=$2 port=$3 log=$4 pattern=${5:-} i
  for ((i = 0; i < START_TIMEOUT_TENTHS; i++)); do
    if ! alive "$pid"; then
      echo "bench-relay: $name exited at start; the end of $log:" >&2
      tail -n 20 "$log" >&2 || true
      exit 1
    fi
    if [[ -n $pattern ]]; then
      grep -q -- "$pattern" "$log" 2>/dev/null && return 0
    elif nc -z 127.0.0.1 "$port" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  die "$name did not listen on 127.0.0.1:$port within $((START_TIMEOUT_TENTHS / 10)) s"
}

# ---- Build -------------------------------------------------------------------------------------

if [[ -f target/tailgate.jar ]]; then
  echo "bench-relay: using target/tailgate.jar as built (delete it to rebuild)" >&2
else
  echo "bench-relay: building target/tailgate.jar" >&2
  mvn -B -q -Dstyle.color=never -DskipTests package >&2
fi
mvn -B -q -Dstyle.color=never test-compile >&2
mvn -B -q -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" >&2
classpath="target/test-classes:$(cat "$work/classpath.txt")"

# ---- Start the proxies side by side ------------------------------------------------------------

tailgate_port=$(free_port)
dante_port=$(free_port)
microsocks_port=$(free_port)

# Flags a user of `java -jar` would pass too; none by default, so the numbers are the plain launch.
tailgate_java_opts=${TAILGATE_JAVA_OPTS:-}
# shellcheck disable=SC2086 # the options are meant to split into words
java $tailgate_java_opts -jar target/tailgate.jar up --no-bootstrap --upstream direct --admin off \
  --listen "127.0.0.1:$tailgate_port" --allow '127.0.0.1:*' \
  --log-file "$work/tailgate-connections.log" >"$work/tailgate.out" 2>"$work/tailgate.err" &
tailgate_pid=$!
pids+=("$tailgate_pid")

if ((EUID == 0)); then
  dante_users=$'user.privileged: root\nuser.unprivileged: nobody'
else
  dante_users=""
fi
cat >"$work/danted.conf" <<EOF
logoutput: $work/danted.log
internal: 127.0.0.1 port = $dante_port
external: 127.0.0.1
socksmethod: none
clientmethod: none
$dante_users
client pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
}
socks pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
}
EOF
"$danted_bin" -f "$work/danted.conf" -p "$work/danted.pid" >"$work/danted.out" 2>&1 &
dante_pid=$!
pids+=("$dante_pid")

microsocks -i 127.0.0.1 -p "$microsocks_port" >"$work/microsocks.log" 2>&1 &
microsocks_pid=$!
pids+=("$microsocks_pid")

wait_ready tailgate "$tailgate_pid" "$tailgate_port" "$work/tailgate.err" '^tailgate: relay on'
wait_ready dante "$dante_pid" "$dante_port" "$work/danted.out"
wait_ready microsocks "$microsocks_pid" "$microsocks_port" "$work/microsocks.log"
echo "bench-relay: tailgate :$tailgate_port, dante :$dante_port, microsocks :$microsocks_port" >&2

# ---- Measure -----------------------------------------------------------------------------------

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
timeout --signal=TERM --kill-after=10s "$BENCH_HARD_LIMIT" \
  java -cp "$classpath" "$BENCH_MAIN" \
  --bulk-mib "$bulk_mib" --iterations "$iterations" --warmup "$warmup" --max-minutes "$BENCH_MAX_MINUTES" \
  --proxy "tailgate=127.0.0.1:$tailgate_port" \
  --proxy "dante=127.0.0.1:$dante_port" \
  --proxy "microsocks=127.0.0.1:$microsocks_port" >"$work/report.md" &
bench_pid=$!
pids+=("$bench_pid")
wait "$bench_pid" # interruptible: a signal to this script runs cleanup at once
forget "$bench_pid"

# Stop tailgate now, so that its connection log is complete, and count what it logged.
stop "$tailgate_pid"
log="$work/tailgate-connections.log"
logged=$(wc -l <"$log")
logged_ok=$(grep -c '"result":"ok"' "$log" || true)

# ---- Report ------------------------------------------------------------------------------------

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $commit != unknown && -n $(git status --porcelain -- src pom.xml 2>/dev/null) ]]; then
  commit+=" (with uncommitted changes)"
fi
{
  echo "# Relay benchmark, $started"
  echo
  echo "Command: scripts/bench-relay.sh --bulk-mib $bulk_mib --iterations $iterations --warmup $warmup"
  echo
  echo "- machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
  echo "- java: $(java -version 2>&1 | tr '\n' ' ' | sed 's/ *$//')"
  echo "- tailgate: $(java -jar target/tailgate.jar --version 2>&1 | head -n1), commit $commit, JVM flags: ${tailgate_java_opts:-none}"
  echo "- dante: $("$danted_bin" -v 2>&1 | head -n1 | cut -d' ' -f1-2 | sed 's/\.$//') (Debian dante-server $(dpkg-query -W -f='${Version}' dante-server 2>/dev/null || echo '?'))"
  echo "- microsocks: Debian package $(dpkg-query -W -f='${Version}' microsocks 2>/dev/null || echo '?') (it has no version flag)"
  echo "- tailgate connection log: $logged lines, $logged_ok with result ok"
  echo
  cat "$work/report.md"
} >"$work/performance.txt"

mkdir -p "$(dirname "$out")"
cp "$work/performance.txt" "$out"
cat "$out"
echo "bench-relay: written to $out" >&2
