#!/usr/bin/env python3
"""The relay benchmark's client (scripts/bench-relay.sh starts the proxies and runs it; see
docs/performance.md). It shares no code with tailgate: the SOCKS5 bytes, the targets and the
clock are all here.

For each proxy named with --proxy (and "none": straight to the target), in interleaved rounds so
that a noisy machine hurts them all alike:
  short   connect + SOCKS5 CONNECT + 32-byte echo, p50/p99, counted after --short-warmup
          connections (a freshly started proxy, as a relay that serves an ssh now and then is)
  long    the same after --long-warmup connections in all (the JIT's steady state)
  conn/s  sequential connections per second: the same exchange and a close, back to back
  bulk    one stream's MiB/s (--bulk-mib per run, 3 runs, median), and the CPU seconds per GiB
          relayed: utime + stime from /proc/PID/stat of every process in the proxy's tree
          (--pid NAME=PID), and cutime + cstime for its children that exited, read before and
          after each run
The targets (an echo and a sink) run in processes of their own, so the client's interpreter never
waits on them. Loopback only: a proxy elsewhere is refused. Progress goes to standard error, the
markdown report to standard output.
"""
import argparse
import multiprocessing
import os
import selectors
import socket
import statistics
import struct
import sys
import time

ECHO_BYTES = 32
BULK_RUNS = 3
ROUNDS = 4
CHUNK = 1 << 20
TIMEOUT = 10.0
MAX_FAILURES = 10
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1 << 20


# ---- Targets, each in a process of its own -------------------------------------------------------


def serve_echo(listener):
    """Writes back what each connection sends; one selector loop for all."""
    sel = selectors.DefaultSelector()
    listener.setblocking(False)
    sel.register(listener, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is listener:
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                try:
                    conn.send(data)  # small echoes: the send buffer always takes them
                except OSError:
                    pass
            else:
                sel.unregister(conn)
                conn.close()


def serve_sink(listener):
    """One stream at a time: an 8-byte size, that many bytes read and dropped, one byte back."""
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while True:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(60)
            try:
                size = struct.unpack("!Q", recv_exact(conn, 8))[0]
                got = 0
                while got < size:
                    n = conn.recv_into(view, min(CHUNK, size - got))
                    if n == 0:
                        break
                    got += n
                if got == size:
                    conn.sendall(b"k")
            except OSError:
                pass


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
        data += more
    return data


def start_target(body):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    proc = multiprocessing.Process(target=body, args=(listener,), daemon=True)
    proc.start()
    return listener.getsockname(), proc


# ---- The client --------------------------------------------------------------------------------


class Proxy:
    def __init__(self, name, address, pid):
        self.name = name
        self.address = address  # None: straight to the target
        self.pid = pid
        self.short = []
        self.long = []
        self.steps = []  # the @long samples' steps: connect, greeting, CONNECT, echo (µs)
        self.done = 0  # connections made so far, warm-up included
        self.failed = 0
        self.conn_rates = []
        self.conn_cpu = 0.0
        self.conn_count = 0
        self.bulk = []
        self.bulk_cpu = 0.0
        self.bulk_bytes = 0


def open_tunnel(proxy, target, marks=None):
    """A socket through proxy to target; marks, if given, gets the clock after each step."""
    mark = marks.append if marks is not None else (lambda _: None)
    s = socket.socket()
    s.settimeout(TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if proxy.address is None:
        s.connect(target)
        mark(time.perf_counter_ns())
        return s
    s.connect(proxy.address)
    mark(time.perf_counter_ns())
    s.sendall(b"\x05\x01\x00")  # no authentication
    if recv_exact(s, 2) != b"\x05\x00":
        raise ConnectionError("greeting refused")
    mark(time.perf_counter_ns())
    host, port = target
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack("!H", port))
    reply = recv_exact(s, 10)  # ATYP IPv4 in every reply these proxies give
    if reply[1] != 0:
        raise ConnectionError("CONNECT refused, reply %d" % reply[1])
    mark(time.perf_counter_ns())
    return s


PAYLOAD = os.urandom(ECHO_BYTES)


def one_exchange(proxy, echo, steps=None):
    """Nanoseconds from before the socket to the echo read back; the close is not timed. steps, if
    given, gets the exchange's steps in µs: connect, greeting's reply, CONNECT's reply, echo."""
    marks = [time.perf_counter_ns()]
    s = open_tunnel(proxy, echo, marks)
    try:
        s.sendall(PAYLOAD)
        if recv_exact(s, ECHO_BYTES) != PAYLOAD:
            raise ConnectionError("echo differs")
        marks.append(time.perf_counter_ns())
        if steps is not None:
            gaps = [(b - a) / 1000.0 for a, b in zip(marks, marks[1:])]
            steps.append(gaps if len(gaps) == 4 else [gaps[0], None, None, gaps[1]])
        return marks[-1] - marks[0]
    finally:
        s.close()
        proxy.done += 1


def sample(proxy, echo, into, n, steps=None):
    for _ in range(n):
        try:
            ns = one_exchange(proxy, echo, steps)
        except OSError as e:
            proxy.failed += 1
            if proxy.failed > MAX_FAILURES:
                raise SystemExit("bench-relay.py: %s failed %d times, last: %s" % (proxy.name, proxy.failed, e))
            continue
        if into is not None:
            into.append(ns / 1000.0)


def tree_cpu(pid):
    """CPU seconds of PID and every process descended from it, those that exited included."""
    if pid is None:
        return 0.0
    parent = {}
    ticks = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        p = int(entry)
        parent[p] = int(fields[1])  # the 4th field; fields[0] is the state
        # utime, stime, cutime, cstime (the 14th to 17th): the last two hold the children this
        # one reaped, as Dante's exited helpers
        ticks[p] = sum(int(x) for x in fields[11:15])
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for p, pp in parent.items():
            if pp in tree and p not in tree:
                tree.add(p)
                grew = True
    return sum(ticks.get(p, 0) for p in tree) / CLK_TCK


def conn_rate(proxy, echo, n):
    cpu = tree_cpu(proxy.pid)
    started = time.perf_counter()
    sample(proxy, echo, None, n)
    elapsed = time.perf_counter() - started
    proxy.conn_cpu += tree_cpu(proxy.pid) - cpu
    proxy.conn_count += n
    proxy.conn_rates.append(n / elapsed)


def bulk(proxy, sink, size):
    block = memoryview(os.urandom(CHUNK))
    cpu = tree_cpu(proxy.pid)
    s = open_tunnel(proxy, sink)
    with s:
        s.settimeout(120)
        started = time.perf_counter()
        s.sendall(struct.pack("!Q", size))
        left = size
        while left:
            n = min(left, CHUNK)
            s.sendall(block[:n])
            left -= n
        if s.recv(1) != b"k":
            raise SystemExit("bench-relay.py: %s: the sink did not get all %d bytes" % (proxy.name, size))
        elapsed = time.perf_counter() - started
    proxy.bulk_cpu += tree_cpu(proxy.pid) - cpu
    proxy.bulk_bytes += size
    proxy.bulk.append(size / MIB / elapsed)


# ---- Report ------------------------------------------------------------------------------------


def pct(samples, p):
    """Nearest-rank percentile."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def report(proxies, args):
    out = []
    w = out.append
    w("Latency: connect + SOCKS5 CONNECT (no auth, IPv4) + %d-byte echo, µs; %d samples per proxy"
      " in %d interleaved rounds after %d connections (\"@%d\") and again after %d in all (\"@%d\")."
      % (ECHO_BYTES, args.iterations, ROUNDS, args.short_warmup, args.short_warmup,
         args.long_warmup, args.long_warmup))
    w("Connections/s: %d sequential connections (the same exchange, then close) per proxy, in %d"
      " interleaved rounds, median; CPU per 1000 connections over all of them." % (args.conn_count, ROUNDS))
    w("Bulk: %d MiB client -> sink per run, %d runs per proxy interleaved, median; CPU-s per GiB is"
      " utime + stime of the proxy's process tree, and cutime + cstime of its reaped children, over all"
      " runs (/proc/PID/stat)." % (args.bulk_mib, BULK_RUNS))
    w("")
    w("| proxy | p50@%d | p99@%d | p50@%d | p99@%d | conn/s | CPU-ms per 1000 conn | MiB/s | CPU-s per GiB |"
      % (args.short_warmup, args.short_warmup, args.long_warmup, args.long_warmup))
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in proxies:
        cpu_conn = "–" if p.pid is None else "%.0f" % (p.conn_cpu * 1e6 / max(p.conn_count, 1))
        cpu_gib = "–" if p.pid is None else "%.2f" % (p.bulk_cpu / (p.bulk_bytes / (1 << 30)))
        w("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %.1f | %s |" % (
            p.name, pct(p.short, 50), pct(p.short, 99), pct(p.long, 50), pct(p.long, 99),
            statistics.median(p.conn_rates), cpu_conn, statistics.median(p.bulk), cpu_gib))
    w("")
    w("Steps of the @%d samples, medians in µs (the clock after each):" % args.long_warmup)
    w("")
    w("| proxy | connect | greeting's reply | CONNECT's reply | echo |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for p in proxies:
        cols = list(zip(*p.steps)) if p.steps else [()] * 4
        w("| %s | %s |" % (p.name, " | ".join(
            "–" if not c or c[0] is None else "%.0f" % statistics.median(c) for c in cols)))
    w("")
    w("Runs in order: conn/s; MiB/s. Failed samples.")
    for p in proxies:
        w("- %s: %s; %s. %d failed" % (
            p.name, ", ".join("%.0f" % r for r in p.conn_rates), ", ".join("%.1f" % r for r in p.bulk), p.failed))
    by = {p.name: p for p in proxies}
    tg = by.get("tailgate")
    dante = by.get("dante")
    micro = by.get("microsocks")
    if tg and dante and micro:
        w("")
        w("| target | tailgate | against | ratio | target | result |")
        w("| --- | ---: | ---: | ---: | --- | --- |")

        def row(label, mine, theirs, limit, at_most):
            ratio = mine / theirs if theirs else float("nan")
            ok = ratio <= limit if at_most else ratio >= limit
            w("| %s | %.2f | %.2f | %.2f | %s %.2f | %s |" % (
                label, mine, theirs, ratio, "<=" if at_most else ">=", limit, "PASS" if ok else "MISS"))

        row("p99@%d / dante's" % args.short_warmup, pct(tg.short, 99), pct(dante.short, 99), 1.5, True)
        row("p50@%d / microsocks'" % args.short_warmup, pct(tg.short, 50), pct(micro.short, 50), 1.0, True)
        row("p50@%d / microsocks'" % args.long_warmup, pct(tg.long, 50), pct(micro.long, 50), 1.0, True)
        row("conn/s / dante's", statistics.median(tg.conn_rates), statistics.median(dante.conn_rates), 1.0, False)
        row("CPU-s per GiB / dante's", tg.bulk_cpu / tg.bulk_bytes * (1 << 30),
            dante.bulk_cpu / dante.bulk_bytes * (1 << 30), 1.0, True)
    before = by.get("before")
    if tg and before:
        w("")
        w("tailgate against before (the --before build), same run: p50@%d %.2fx, p99@%d %.2fx, p50@%d %.2fx,"
          " p99@%d %.2fx, conn/s %.2fx, MiB/s %.2fx, CPU per GiB %.2fx, CPU per connection %.2fx." % (
              args.short_warmup, pct(tg.short, 50) / pct(before.short, 50),
              args.short_warmup, pct(tg.short, 99) / pct(before.short, 99),
              args.long_warmup, pct(tg.long, 50) / pct(before.long, 50),
              args.long_warmup, pct(tg.long, 99) / pct(before.long, 99),
              statistics.median(tg.conn_rates) / statistics.median(before.conn_rates),
              statistics.median(tg.bulk) / statistics.median(before.bulk),
              (tg.bulk_cpu / tg.bulk_bytes) / max(before.bulk_cpu / before.bulk_bytes, 1e-12),
              (tg.conn_cpu / tg.conn_count) / max(before.conn_cpu / before.conn_count, 1e-12)))
    floor = by.get("netty")
    if tg and floor:
        def step(p, i):
            values = [t[i] for t in p.steps if t[i] is not None]
            return statistics.median(values) if values else float("nan")
        w("")
        w("tailgate against netty's floor (--netty-floor), same run: p50@%d %.2fx, p50@%d %.2fx, the greeting's"
          " reply %+.0f µs, the CONNECT's reply %+.0f µs, CPU per connection %.2fx%s." % (
              args.short_warmup, pct(tg.short, 50) / pct(floor.short, 50),
              args.long_warmup, pct(tg.long, 50) / pct(floor.long, 50),
              step(tg, 1) - step(floor, 1), step(tg, 2) - step(floor, 2),
              (tg.conn_cpu / tg.conn_count) / max(floor.conn_cpu / floor.conn_count, 1e-12),
              "; the floor's p50@%d %.2fx microsocks'" % (args.long_warmup, pct(floor.long, 50) / pct(micro.long, 50))
              if micro else ""))
    return "\n".join(out) + "\n"


# ---- Main --------------------------------------------------------------------------------------


def loopback(spec):
    host, _, port = spec.rpartition(":")
    if not host.startswith("127."):
        raise argparse.ArgumentTypeError("%s: loopback only" % spec)
    return host, int(port)


def main():
    ap = argparse.ArgumentParser(description="bench-relay's client")
    ap.add_argument("--proxy", action="append", default=[], metavar="NAME=HOST:PORT")
    ap.add_argument("--pid", action="append", default=[], metavar="NAME=PID")
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--short-warmup", type=int, default=50)
    ap.add_argument("--long-warmup", type=int, default=5000)
    ap.add_argument("--conn-count", type=int, default=2000)
    ap.add_argument("--bulk-mib", type=int, default=1024)
    args = ap.parse_args()
    pids = dict(spec.split("=", 1) for spec in args.pid)
    proxies = [Proxy("none", None, None)]
    for spec in args.proxy:
        name, _, address = spec.partition("=")
        proxies.append(Proxy(name, loopback(address), int(pids[name]) if name in pids else None))

    (echo, echo_proc), (sink, sink_proc) = start_target(serve_echo), start_target(serve_sink)
    log = sys.stderr
    per_round = max(1, args.iterations // ROUNDS)
    try:
        for p in proxies:
            sample(p, echo, None, args.short_warmup)
        for r in range(ROUNDS):
            for p in proxies:
                sample(p, echo, p.short, per_round)
            print("short round %d/%d: %s" % (r + 1, ROUNDS, ", ".join(
                "%s p50 %.0f" % (p.name, pct(p.short, 50)) for p in proxies)), file=log)
        # The long warm-up, interleaved in slices, up to --long-warmup connections each.
        while any(p.done < args.long_warmup for p in proxies):
            for p in proxies:
                sample(p, echo, None, max(0, min(500, args.long_warmup - p.done)))
        for r in range(ROUNDS):
            for p in proxies:
                sample(p, echo, p.long, per_round, p.steps)
            print("long round %d/%d: %s" % (r + 1, ROUNDS, ", ".join(
                "%s p50 %.0f" % (p.name, pct(p.long, 50)) for p in proxies)), file=log)
        for r in range(ROUNDS):
            for p in proxies:
                conn_rate(p, echo, max(1, args.conn_count // ROUNDS))
        print("conn/s: %s" % ", ".join("%s %.0f" % (p.name, statistics.median(p.conn_rates)) for p in proxies),
              file=log)
        for r in range(BULK_RUNS):
            for p in proxies:
                bulk(p, sink, args.bulk_mib * MIB)
                print("bulk %d/%d %-10s %8.1f MiB/s" % (r + 1, BULK_RUNS, p.name, p.bulk[-1]), file=log)
        sys.stdout.write(report(proxies, args))
    finally:
        echo_proc.terminate()
        sink_proc.terminate()


if __name__ == "__main__":
    main()
