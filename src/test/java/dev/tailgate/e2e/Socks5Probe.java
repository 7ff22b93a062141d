package dev.tailgate.e2e;

/** A SOCKS5 CONNECT by hand (python3 in the namespace), printing the reply code the relay sent. */
final class Socks5Probe {
  /** {@code python3 -c SCRIPT PROXY_PORT HOST PORT} prints {@code reply 0xNN}. */
  static final String SCRIPT =
      """
      import socket, struct, sys
      port, host, target = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
      s = socket.create_connection(("127.0.0.1", port), timeout=30)
      s.sendall(b"\\x05\\x01\\x00")
      assert s.recv(2) == b"\\x05\\x00"
      s.sendall(b"\\x05\\x01\\x00\\x03" + bytes([len(host)]) + host + struct.pack(">H", target))
      reply = s.recv(10)
      print("reply 0x%02x" % reply[1])
      """;

  private Socks5Probe() {}

  /** The probe's command line: a SOCKS5 CONNECT through 127.0.0.1:{@code proxyPort}. */
  static java.util.List<String> command(int proxyPort, String host, int port) {
    return java.util.List.of(
        "python3", "-c", SCRIPT, Integer.toString(proxyPort), host, Integer.toString(port));
  }
}
