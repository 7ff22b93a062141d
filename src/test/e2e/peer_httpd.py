#!/usr/bin/env python3
"""The peer node's web server in the end-to-end test (not a test double: a target).

    peer_httpd.py --log FILE --marker TEXT PORT [PORT...]

Listens on 127.0.0.1:PORT for each PORT (the peer's userspace tailscaled forwards connections to
its tailnet address there). GET / is a small HTML page carrying MARKER; GET /bytes?n=N sends N
bytes (for throughput); PUT or POST /upload reads the body (sized or chunked) as it comes and
answers "BYTES SHA256" of it, storing nothing. Every request is appended to FILE as one JSON line with the port it
arrived on, so a test can prove that a refused target saw nothing. Prints "listening" when ready.
"""
import argparse
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

CHUNK = b"\x5a" * (1 << 20)
lock = threading.Lock()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--marker", required=True)
    ap.add_argument("ports", nargs="+", type=int)
    args = ap.parse_args()
    log = open(args.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # A response's head and body go in two writes: with Nagle the body waited for the head's
        # delayed ACK (40 ms), which set every small keep-alive GET's time whatever the proxy.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *a):
            pass

        def do_GET(self):
            port = self.server.server_address[1]
            with lock:
                log.write(json.dumps({"t": time.time(), "port": port, "path": self.path,
                                      "client": self.client_address[0]}) + "\n")
            url = urlparse(self.path)
            if url.path == "/bytes":
                n = int(parse_qs(url.query).get("n", ["0"])[0])
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(n))
                self.end_headers()
                while n > 0:
                    part = CHUNK[: min(n, len(CHUNK))]
                    self.wfile.write(part)
                    n -= len(part)
                return
            body = ("<!doctype html><html><head><title>peer</title></head><body>"
                    f"<h1 id=\"marker\">{args.marker}</h1><p>port {port}</p></body></html>\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            port = self.server.server_address[1]
            with lock:
                log.write(json.dumps({"t": time.time(), "port": port, "path": self.path,
                                      "client": self.client_address[0]}) + "\n")
            digest, total = hashlib.sha256(), 0
            for piece in self.body():
                digest.update(piece)
                total += len(piece)
            answer = f"{total} {digest.hexdigest()}\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_POST = do_PUT

        def body(self):
            """The request body in pieces of at most 1 MiB, sized or chunked (RFC 9112 7.1)."""
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return
                    while size > 0:
                        piece = self.rfile.read(min(size, 1 << 20))
                        size -= len(piece)
                        yield piece
                    self.rfile.readline()
            left = int(self.headers.get("Content-Length", "0"))
            while left > 0:
                piece = self.rfile.read(min(left, 1 << 20))
                if not piece:
                    return
                left -= len(piece)
                yield piece

    servers = [ThreadingHTTPServer(("127.0.0.1", p), Handler) for p in args.ports]
    for s in servers:
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("listening", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
