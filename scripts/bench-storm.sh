#!/usr/bin/env bash
# Issue 15's storm: while uid nobody runs N connect-and-close clients and M slowloris clients (one
# byte every 9 s, reconnecting when closed) against a proxy, uid root runs 100 SOCKS5 handshakes
# plus an echo through it; its latency is compared with a quiet run, and its refusals counted.
# tailgate (client-identity uid, the default) and Dante face the same storm in the same run; so does
# the machine itself ("no proxy": root's connections go straight to the echo target while the storm
# hits tailgate), the floor of what any proxy could show on these cores; and root through tailgate's
# Unix socket ("unix sock", mode 0600, which the storm's uid cannot open) while the storm hits its
# TCP port: a listen queue of its own. A third tailgate with
# client-identity address (no lookup) measures what the lookup costs on a quiet connect+echo. The
# echo target is bench-relay.py's selector loop in a process of its own.
#
# usage: scripts/bench-storm.sh [--quick N] [--slow N] [--tunnels N] [--rounds N] [--storm-nice N] [--out FILE] [--before JAR|LAUNCHER]
#
# The storm runs --rounds times (default 3) against each proxy in turn; root's tunnels of all rounds
# are pooled, quiet and stormy apart, so that p99 is the 1 % slowest of 300 (with the defaults) and
# not the slowest one of 100, and each round's ratio is printed beside the pooled one.
#
# --storm-nice N (0 to 19, default 0) runs the storm's clients at that nice level: at 0 they take
# their share of the two cores from the proxy and from root's client alike, so the ratio measures
# the scheduler as much as the proxy (the "no proxy" row shows how much); at 19 the storm's uid
# gets what the others leave, and what stays is the proxy's own queueing.
#
# --before runs a tailgate from another build (a tailgate.jar, or a checkout's scripts/tailgate) beside
# this one, under its own storm in the same run, so that a change is measured against its parent.
#
# Needs root (the storm runs as nobody through setpriv). Writes docs/storm-latest.txt (or --out).
set -euo pipefail

bench_name=bench-storm
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

quick=5000
slow=1000
tunnels=100
rounds=3
storm_nice=0
out=docs/storm-latest.txt
before=""
parse_options "--quick=quick --slow=slow --tunnels=tunnels --rounds=rounds --storm-nice=storm_nice \
--out=out --before=before" "$@"
[[ $rounds =~ ^[1-9]$ ]] || die "--rounds wants 1 to 9"
[[ $storm_nice =~ ^([0-9]|1[0-9])$ ]] || die "--storm-nice wants 0 to 19"
[[ -z $before || -f $before ]] || die "--before wants the path of a tailgate.jar or a scripts/tailgate"
((EUID == 0)) || die "needs root: the storm runs as uid nobody"

need java openjdk-17-jdk-headless
need mvn maven
need danted dante-server
need nc netcat-openbsd
need setpriv util-linux
install_missing
build

tailgate_port=$(free_port)
plain_port=$(free_port)
dante_port=$(free_port)
echo_port=$(free_port)

start_tailgate "$tailgate_port" --listen-unix "$work/unix/relay.sock"
main_tailgate=$tailgate_pid
printf 'client-identity: address\n' >"$work/address.yaml"
java $tailgate_java_opts -jar target/tailgate.jar up --no-bootstrap --upstream direct --admin off \
  --config "$work/address.yaml" --listen "127.0.0.1:$plain_port" --allow '127.0.0.1:*' \
  --log-file "$work/plain-connections.log" >"$work/plain.out" 2>"$work/plain.err" &
plain_pid=$!
pids+=("$plain_pid")
start_dante "$dante_port"
before_port=0
if [[ -n $before ]]; then
  start_before "$before" up --no-bootstrap --upstream direct --admin off --allow '127.0.0.1:*'
fi
cat >"$work/storm.py" <<'PY'
import importlib.util, multiprocessing, os, socket, statistics, subprocess, sys, threading, time

def echo_process(port):
    """The echo target: bench-relay.py's selector loop, in a process of its own, so that root's
    echoes never wait on this interpreter's threads."""
    spec = importlib.util.spec_from_file_location("bench_relay", os.environ["BENCH_RELAY"])
    bench_relay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_relay)
    listener = socket.create_server(("127.0.0.1", port), backlog=1024)
    proc = multiprocessing.Process(target=bench_relay.serve_echo, args=(listener,), daemon=True)
    proc.start()
    listener.close()
    return proc

def direct(echo, steps=None):
    """No proxy: a connection to the echo target and a one-byte echo (the machine's own floor)."""
    t0 = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", echo), timeout=10) as s:
            t1 = time.perf_counter()
            s.sendall(b"*")
            if s.recv(1) != b"*":
                return None
    except OSError:
        return None
    t2 = time.perf_counter()
    if steps is not None:
        steps.append((t2 - t0, t1 - t0, 0.0, 0.0, t2 - t1))
    return t2 - t0

def connection(proxy):
    """To a proxy's TCP port on 127.0.0.1, or to its Unix socket (a path)."""
    if isinstance(proxy, str):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(proxy)
        return s
    return socket.create_connection(("127.0.0.1", proxy), timeout=10)

def tunnel(proxy, echo, steps=None):
    """One SOCKS5 handshake and a one-byte echo; seconds, or None when refused or broken. When
    steps is a list, appends (total, connect, greeting, request, echo) in seconds."""
    t0 = time.perf_counter()
    marks = [t0]
    try:
        with connection(proxy) as s:
            marks.append(time.perf_counter())
            s.sendall(b"\x05\x01\x00")
            if s.recv(2) != b"\x05\x00":
                return None
            marks.append(time.perf_counter())
            s.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + echo.to_bytes(2, "big"))
            reply = b""
            while len(reply) < 10:
                part = s.recv(10 - len(reply))
                if not part:
                    return None
                reply += part
            if reply[1] != 0:
                return None
            marks.append(time.perf_counter())
            s.sendall(b"*")
            if s.recv(1) != b"*":
                return None
            marks.append(time.perf_counter())
    except OSError:
        return None
    if steps is not None:
        steps.append((marks[-1] - t0,) + tuple(b - a for a, b in zip(marks, marks[1:])))
    return time.perf_counter() - t0

def storm(proxy, quick, slow):
    """As nobody: slowloris clients (a byte every 9 s, reopened when closed) and quick ones."""
    held = []
    def slowloris():
        s = None
        while True:
            try:
                if s is None:
                    s = socket.create_connection(("127.0.0.1", proxy), timeout=5)
                s.send(b"\x05")
                time.sleep(9)
            except OSError:
                s = None
                time.sleep(0.1)
    for _ in range(slow):
        threading.Thread(target=slowloris, daemon=True).start()
    time.sleep(1)
    print("slow", flush=True)
    for _ in range(quick):
        try:
            socket.create_connection(("127.0.0.1", proxy), timeout=5).close()
        except OSError:
            pass
    print("done", flush=True)
    sys.stdin.read()

def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] * 1000

def run(name, proxy, echo, tunnels, quick, slow, storm_at=None):
    """Root's tunnels through proxy (0: straight to the echo), quiet, then while uid nobody storms
    storm_at (default: proxy)."""
    def one(steps=None):
        return tunnel(proxy, echo, steps) if proxy else direct(echo, steps)
    quiet = [one() for _ in range(tunnels)]
    if slow + quick == 0:
        return name, quiet, None, None
    st = subprocess.Popen(["nice", "-n", os.environ.get("STORM_NICE", "0"), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "/usr/bin/python3", __file__, "storm", str(storm_at or proxy), str(quick), str(slow)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert st.stdout.readline().strip() == "slow"
    stormy, t0, steps = [], time.time(), []
    for _ in range(tunnels):
        stormy.append(one(steps))
    storm_done = st.stdout.readline().strip() == "done"
    took = time.time() - t0
    st.kill(); st.wait()
    time.sleep(11)  # let the proxy drop the storm's clients before the next one
    return name, quiet, stormy, (storm_done, took, sorted(steps, reverse=True)[:3])

def line(name, label, v):
    ok = [x for x in v if x is not None]
    if not ok:
        return f"{name:10} {label:6} refused {len(v) - len(ok):4}"
    return (f"{name:10} {label:6} refused {len(v) - len(ok):4}  p50 {pct(ok, .5):7.2f} ms"
            f"  p90 {pct(ok, .9):7.2f} ms  p99 {pct(ok, .99):7.2f} ms  max {max(ok) * 1000:7.2f} ms")

if sys.argv[1] == "storm":
    storm(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    sys.exit(0)
tg, plain, dante, echo, tunnels, quick, slow, before, rounds = map(int, sys.argv[1:10])
unix = sys.argv[10]  # tailgate's Unix socket (mode 0600, root's): the storm's uid cannot connect
echo_target = echo_process(echo)
time.sleep(0.2)
for p in (tg, plain, dante, before, unix):
    for _ in range(50 if p else 0):
        tunnel(p, echo)  # warm-up
order = [("tailgate", tg, None)] + ([("before", before, None)] if before else []) + [
    ("dante", dante, None), ("no proxy", 0, tg), ("unix sock", unix, tg)]
pooled = {name: ([], [], [], []) for name, _, _ in order}  # quiet, storm, per-round ratios, steps
for r in range(rounds):  # the proxies take turns, round after round, so that noise hits them alike
    for name, port, storm_at in order:
        _, quiet, stormy, meta = run(name, port, echo, tunnels, quick, slow, storm_at)
        q = [x for x in quiet if x is not None]; s = [x for x in stormy if x is not None]
        into = pooled[name]
        into[0].extend(quiet); into[1].extend(stormy); into[3].extend(meta[2])
        if q and s:
            into[2].append(f"{pct(s, .99) / pct(q, .99):.2f}x")
        print(f"round {r + 1}: {name}: storm finished while measured: {meta[0]}, {meta[1]:.1f} s",
              file=sys.stderr, flush=True)
results = [(name, *pooled[name]) for name, _, _ in order]
results.append(run("tailgate/addr", plain, echo, tunnels * rounds, 0, 0)[:2] + (None, None, None))
for name, quiet, stormy, ratios, steps in results:
    print(line(name, "quiet", quiet))
    if stormy is not None:
        print(line(name, "storm", stormy))
        q = [x for x in quiet if x is not None]; s = [x for x in stormy if x is not None]
        if q and s:
            print(f"{name:10} storm/quiet p99 {pct(s, .99) / pct(q, .99):.2f}x, p50 {pct(s, .5) / pct(q, .5):.2f}x"
                  f" (p99 by round: {', '.join(ratios)})")
        for total, *parts in sorted(steps, reverse=True)[:3]:
            print(f"{name:10} slow tunnel in the storm {total * 1000:7.2f} ms: connect {parts[0] * 1000:.2f},"
                  f" greeting {parts[1] * 1000:.2f}, request {parts[2] * 1000:.2f}, echo {parts[3] * 1000:.2f} ms")
q1 = [x for x in results[0][1] if x is not None]; q2 = [x for x in results[-1][1] if x is not None]
print(f"identity lookup cost, quiet: p50 {pct(q1, .5) - pct(q2, .5):+.2f} ms, p99 {pct(q1, .99) - pct(q2, .99):+.2f} ms (uid against address)")
PY
wait_ready tailgate "$main_tailgate" "$tailgate_port" "$work/tailgate.err" '^tailgate: relay on'
wait_ready tailgate-address "$plain_pid" "$plain_port" "$work/plain.err" '^tailgate: relay on'
wait_ready dante "$dante_pid" "$dante_port" "$work/danted.out"
chmod 755 "$work" "$work/storm.py"
export BENCH_RELAY=$PWD/scripts/bench-relay.py # the echo target's loop
export STORM_NICE=$storm_nice

{
  echo "# bench-storm $(date -u +%Y-%m-%dT%H:%M:%SZ): $quick connect-and-close + $slow slowloris from uid nobody at nice $storm_nice; uid root does $tunnels SOCKS5 handshakes + echo, quiet then in the storm, $rounds rounds"
  machine_lines
  dante_line
  echo "- load before: $(load_average)"
  run_bench 900s python3 "$work/storm.py" "$tailgate_port" "$plain_port" "$dante_port" "$echo_port" \
    "$tunnels" "$quick" "$slow" "$before_port" "$rounds" "$work/unix/relay.sock"
  echo "- load after: $(load_average)"
  echo "- tailgate refusals by rule: $(grep -o '"rule":"limit:[a-z-]*"' "$work/tailgate-connections.log" | sort | uniq -c | tr '\n' ' ')"
  [[ -z $before ]] || echo "- before: $before, refusals by rule: $(grep -o '"rule":"limit:[a-z-]*"' "$work/before-connections.log" | sort | uniq -c | tr '\n' ' ')"
  echo "- tailgate lines naming client_uid 65534: $(grep -c '"client_uid":65534' "$work/tailgate-connections.log" || true), client_uid 0: $(grep -c '"client_uid":0' "$work/tailgate-connections.log" || true)"
} | tee "$out"
