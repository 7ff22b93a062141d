"""The e2e's start-up stopwatch: one process in the namespace, started before `tailgate up`.

Three threads, each polling every 10 ms from the moment this prints "ready":
  relay   a GET of URL through the SOCKS5 proxy on RELAY_PORT (tailgate's relay)
  direct  the same through DIRECT_PORT (the gateway tailscaled's own SOCKS5)
  running the gateway's LocalAPI status over SOCKET until BackendState is Running
Each prints "NAME MONOTONIC_NS" once it succeeds (time.monotonic_ns: the same clock as the test
JVM's System.nanoTime), then stops. Polling from one process costs the machine far less than a
curl per poll, so tailgate's start is not slowed by the stopwatch.

usage: start_poller.py RELAY_PORT DIRECT_PORT SOCKET HOST PORT PATH LIMIT_SECONDS
"""

import json
import socket
import struct
import sys
import threading
import time

relay_port, direct_port, sock_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
host, port, path, limit = sys.argv[4], int(sys.argv[5]), sys.argv[6], float(sys.argv[7])
deadline = time.monotonic() + limit
out = threading.Lock()


def say(line):
    with out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def get_via(proxy_port):
    """True when a GET through the SOCKS5 proxy returned 200; the proxy may hold the CONNECT."""
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=10) as s:
        s.sendall(b"\x05\x01\x00")
        if recv_exactly(s, 2) != b"\x05\x00":
            return False
        name = host.encode()
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", port))
        reply = recv_exactly(s, 10)  # an IPv4 bound address
        if reply[1] != 0:
            return False
        s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
        status = b""
        while b"\r\n" not in status:
            chunk = s.recv(256)
            if not chunk:
                break
            status += chunk
        return status.startswith(b"HTTP/1.") and status.split(b" ")[1] == b"200"


def running():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        s.connect(sock_path)
        s.sendall(
            b"GET /localapi/v0/status?peers=false HTTP/1.0\r\n"
            b"Host: local-tailscaled.sock\r\n\r\n"
        )
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    return json.loads(body or b"{}").get("BackendState") == "Running"


def poll(name, check):
    while time.monotonic() < deadline:
        try:
            if check():
                say("%s %d" % (name, time.monotonic_ns()))
                return
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(0.01)
    say("%s none" % name)


threads = [
    threading.Thread(target=poll, args=("relay", lambda: get_via(relay_port))),
    threading.Thread(target=poll, args=("direct", lambda: get_via(direct_port))),
    threading.Thread(target=poll, args=("running", running)),
]
say("ready")
for t in threads:
    t.start()
for t in threads:
    t.join()
