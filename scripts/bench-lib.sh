#!/usr/bin/env bash
# Shared by the scripts/bench-*.sh that start proxies: installing what is missing, starting and
# stopping processes (every one the script started is stopped on any exit), free loopback ports,
# the build, tailgate and Dante as the benchmarks run them, and the report's header lines.
#
# Source it after setting bench_name (used in messages); it sets `work` (a temp dir) and the traps.
# Not a script to run by itself.

readonly START_TIMEOUT_TENTHS=300 # 30 s for a proxy to listen
readonly STOP_TIMEOUT_TENTHS=50   # 5 s for a process to stop after SIGTERM

usage() { # the script's usage line, from its header comment (the scripts run from the repo root)
  grep -m1 '^# usage:' "scripts/$bench_name.sh" | sed 's/^# //'
}

# Parses `--flag VALUE` pairs into shell variables, and -h/--help. SPEC is "--flag=variable ...".
parse_options() { # SPEC "$@"; SPEC is "--option=variable ...", "--switch=variable!" for a switch
  local -A variable
  local pair
  for pair in $1; do
    variable[${pair%%=*}]=${pair#*=}
  done
  shift
  while (($#)); do
    case "$1" in
      -h | --help)
        usage
        exit 0
        ;;
    esac
    [[ -n ${variable[$1]:-} ]] || die "unknown option $1 ($(usage))"
    if [[ ${variable[$1]} == *'!' ]]; then # a switch: VARIABLE! is set to 1, no value taken
      printf -v "${variable[$1]%!}" '%s' 1
      shift
      continue
    fi
    (($# >= 2)) || die "$1 needs a value"
    printf -v "${variable[$1]}" '%s' "$2"
    shift 2
  done
}

die() {
  echo "$bench_name: $*" >&2
  exit 1
}

# ---- What the machine lacks, installed the Debian way ------------------------------------------

missing=()
need() { # COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]] || missing+=("$2")
}

install_missing() {
  ((${#missing[@]})) || return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  ((EUID == 0)) || die "missing packages: ${missing[*]}; install them, or run this as root"
  echo "$bench_name: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${missing[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; }
}

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
    echo "$bench_name: process $pid ignored SIGTERM; killing it" >&2
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

# Extra cleanup a script needs before the processes stop (e.g. stopping a daemon it does not own
# by pid); empty by default.
before_cleanup() { :; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  before_cleanup || true
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do # the last started first: the benchmark, then the proxies
    stop "${pids[i]}"
  done
  if ((rc == 0)); then
    rm -rf "$work"
  elif rmdir "$work" 2>/dev/null; then
    : # it failed before anything was written there
  else
    echo "$bench_name: failed (exit $rc); logs kept in $work" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs COMMAND... in the background under `timeout LIMIT` and waits for it, interruptibly (a signal
# to the script runs cleanup at once). Its exit status is the function's.
run_bench() { # LIMIT COMMAND...
  local limit=$1 rc=0
  shift
  timeout --signal=TERM --kill-after=10s "$limit" "$@" &
  local pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  return "$rc"
}

used_ports=()
free_port() { # a loopback TCP port no socket uses now, and not handed out already in this run
  local port hex i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 12000)) # below the kernel's ephemeral range (32768 and up by default)
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
      echo "$bench_name: $name exited at start; the end of $log:" >&2
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

# Has the launcher build target/tailgate.jar if it is missing or older than the sources (and make
# up's class-data archive), compiles the benchmarks and sets `classpath`. All before any proxy
# starts: the launcher's own build, begun by start_tailgate beside a `java -jar target/tailgate.jar`
# of the same run, rewrote that jar under the running proxy (bench-storm's second tailgate lost
# every tunnel), and the run's tailgates were two different builds.
build() {
  echo "$bench_name: target/tailgate.jar through the launcher (built if older than the sources)" >&2
  scripts/tailgate --version >/dev/null
  mvn -B -q -Dstyle.color=never test-compile >&2
  mvn -B -q -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" >&2
  classpath="target/test-classes:$(cat "$work/classpath.txt")"
}

# ---- The proxies as the benchmarks run them ----------------------------------------------------

# JVM flags that replace the launcher's (scripts/tailgate reads TAILGATE_JAVA_OPTS itself); a --before
# jar runs with `java` and these flags. Unset, tailgate runs with up's flags, as users start it.
tailgate_java_opts=${TAILGATE_JAVA_OPTS:-}

start_tailgate() { # PORT [MORE FLAGS...]: `scripts/tailgate up --no-bootstrap --upstream direct`; sets tailgate_pid
  local port=$1
  shift
  # Through the launcher, as users start it (up's JVM flags and class-data archive; it execs java,
  # so $! is the JVM): with `java -jar`'s defaults (C2, G1) the load benchmark measured 465 MiB
  # RSS at 10,000 connections where users' flags take 224.
  scripts/tailgate up --no-bootstrap --upstream direct --admin off \
    --listen "127.0.0.1:$port" --allow '127.0.0.1:*' \
    --log-file "$work/tailgate-connections.log" "$@" >"$work/tailgate.out" 2>"$work/tailgate.err" &
  tailgate_pid=$!
  pids+=("$tailgate_pid")
}

start_before() { # BUILD UP-FLAGS...: a second tailgate from BUILD (a tailgate.jar or a scripts/tailgate) on a free port; sets before_pid, before_port
  local build=$1 cmd
  shift
  before_port=$(free_port)
  cmd=("$build")
  # shellcheck disable=SC2206 # the options are meant to split into words
  [[ $build == *.jar ]] && cmd=(java $tailgate_java_opts -jar "$build")
  "${cmd[@]}" "$@" --listen "127.0.0.1:$before_port" \
    --log-file "$work/before-connections.log" >"$work/before.out" 2>"$work/before.err" &
  before_pid=$!
  pids+=("$before_pid")
  wait_ready before "$before_pid" "$before_port" "$work/before.err" '^tailgate: relay on'
}

start_dante() { # PORT [MORE FLAGS...]: danted with the generated config; sets dante_pid
  local port=$1 users=""
  shift
  if ((EUID == 0)); then
    users=$'user.privileged: root\nuser.unprivileged: nobody'
  fi
  cat >"$work/danted.conf" <<CONF
logoutput: $work/danted.log
internal: 127.0.0.1 port = $port
external: 127.0.0.1
socksmethod: none
clientmethod: none
$users
client pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
}
socks pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
}
CONF
  "$(command -v danted || echo /usr/sbin/danted)" -f "$work/danted.conf" -p "$work/danted.pid" "$@" \
    >"$work/danted.out" 2>&1 &
  dante_pid=$!
  pids+=("$dante_pid")
}

# ---- Report header -----------------------------------------------------------------------------

commit_line() { # the commit, and whether src or pom.xml differ from it
  local commit
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ $commit != unknown && -n $(git status --porcelain -- src pom.xml 2>/dev/null) ]]; then
    commit+=" (with uncommitted changes)"
  fi
  echo "$commit"
}

machine_lines() { # markdown list items: machine, java, tailgate
  echo "- machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
  echo "- java: $(java -version 2>&1 | tr '\n' ' ' | sed 's/ *$//')"
  echo "- tailgate: $(java -jar target/tailgate.jar --version 2>&1 | head -n1), commit $(commit_line), JVM flags: ${tailgate_java_opts:-those of the launcher for up}"
}

dante_line() {
  local danted_bin
  danted_bin=$(command -v danted || echo /usr/sbin/danted)
  echo "- dante: $("$danted_bin" -v 2>&1 | head -n1 | cut -d' ' -f1-2 | sed 's/\.$//') (Debian dante-server $(dpkg-query -W -f='${Version}' dante-server 2>/dev/null || echo '?'))"
}

tailgate_log_line() { # stops tailgate, so that its connection log is complete, and counts its lines
  stop "$tailgate_pid"
  local log="$work/tailgate-connections.log"
  echo "- tailgate connection log: $(wc -l <"$log") lines, $(grep -c '"result":"ok"' "$log" || true) with result ok"
}

load_average() { # the 1, 5 and 15 minute load averages
  cut -d' ' -f1-3 /proc/loadavg
}
