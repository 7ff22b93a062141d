package dev.tailgate.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A proxy under test, or {@link #none()}: the same client code then connects straight to the
 * target, which gives the floor every proxy is measured against.
 */
record Proxy(String name, InetSocketAddress address) {
  static final String NONE = "none";

  static Proxy none() {
    return new Proxy(NONE, null);
  }

  /**
   * Parses {@code NAME=HOST:PORT}. The host must be a loopback address: the benchmark sends nothing
   * anywhere else.
   */
  static Proxy parse(String spec) throws IOException {
    int eq = spec.indexOf('=');
    int colon = spec.lastIndexOf(':');
    if (eq <= 0 || colon < eq + 2 || colon == spec.length() - 1) {
      throw new IllegalArgumentException("--proxy wants NAME=HOST:PORT, not '" + spec + "'");
    }
    String name = spec.substring(0, eq);
    if (name.equals(NONE)) {
      throw new IllegalArgumentException("'none' is always measured; name the proxy otherwise");
    }
    InetAddress host = InetAddress.getByName(spec.substring(eq + 1, colon));
    if (!host.isLoopbackAddress()) {
      throw new IllegalArgumentException("proxy " + name + " is not on loopback: " + host);
    }
    int port = Integer.parseInt(spec.substring(colon + 1));
    return new Proxy(name, new InetSocketAddress(host, port));
  }

  /** Connects {@code socket} to {@code target}: through this proxy's SOCKS5, or straight. */
  void open(Socket socket, InetSocketAddress target, int connectTimeoutMillis) throws IOException {
    if (address == null) {
      socket.connect(target, connectTimeoutMillis);
      return;
    }
    socket.connect(address, connectTimeoutMillis);
    Socks5Client.connect(socket.getInputStream(), socket.getOutputStream(), target);
  }
}
