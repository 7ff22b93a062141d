package dev.tailgate.e2e;

/**
 * From the peer node into the gateway node: a SOCKS5 CONNECT through the peer tailscaled's own
 * SOCKS5 server to the gateway's tailnet address, on one of the ports tailgate or tailscaled listen
 * on at the gateway host's 127.0.0.1. Userspace tailscaled hands an inbound connection to its own
 * tailnet address to the same port on 127.0.0.1, so this asks whether a peer reaches them.
 *
 * <p>{@code python3 -c SCRIPT PEER_SOCKS_PORT GATEWAY_IP GATEWAY_PORT MODE [HOST PORT]} prints
 * {@code outer 0xNN} (the peer tailscaled's reply: 0x00 means the gateway accepted the connection),
 * then for MODE {@code socks5}: {@code inner 0xNN} (the reply of whatever listens there to a
 * CONNECT to HOST:PORT) and {@code http STATUS-LINE} with the body's first bytes; for MODE {@code
 * http}: {@code http STATUS-LINE} of {@code GET HOST} (a path).
 */
final class PeerToGatewayProbe {
  static final String SCRIPT =
      """
      import socket, struct, sys
      socks, gw, gwport, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
      def connect(s, atyp, addr, port):
          s.sendall(b"\\x05\\x01\\x00")
          hello = s.recv(2)
          if hello != b"\\x05\\x00":
              return "hello %r" % hello
          s.sendall(b"\\x05\\x01\\x00" + atyp + addr + struct.pack(">H", port))
          reply = s.recv(10)
          return "0x%02x" % reply[1] if len(reply) > 1 else "closed %r" % reply
      s = socket.create_connection(("127.0.0.1", socks), timeout=20)
      outer = connect(s, b"\\x01", socket.inet_aton(gw), gwport)
      print("outer", outer, flush=True)
      if outer != "0x00":
          sys.exit(0)
      def http(path, host):
          s.sendall(("GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" % (path, host)).encode())
          data = b""
          try:
              while len(data) < 4096:
                  chunk = s.recv(4096)
                  if not chunk:
                      break
                  data += chunk
          except socket.timeout:
              pass
          text = data.decode("utf-8", "replace")
          print("http", text.split("\\r\\n")[0], "|", " ".join(text.split())[:300], flush=True)
      try:
          if mode == "socks5":
              host, port = sys.argv[5].encode(), int(sys.argv[6])
              inner = connect(s, b"\\x03" + bytes([len(host)]), host, port)
              print("inner", inner, flush=True)
              if inner == "0x00":
                  http("/", sys.argv[5])
          else:
              http(sys.argv[5], gw)
      except OSError as e:
          print("error", type(e).__name__, e, flush=True)
      """;

  private PeerToGatewayProbe() {}
}
