package dev.tailgate.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One latency sample: open TCP to the proxy, SOCKS5 handshake, CONNECT to the echo server, send 32
 * bytes, read them back. The clock runs from before the socket is created until the echo is read;
 * the close that follows is not timed.
 */
final class EchoProbe {
  static final int PAYLOAD_BYTES = 32;
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int READ_TIMEOUT_MILLIS = 10_000;

  private final InetSocketAddress echo;
  private final SplittableRandom random = new SplittableRandom(42);
  private final byte[] payload = new byte[PAYLOAD_BYTES];

  EchoProbe(InetSocketAddress echo) {
    this.echo = echo;
  }

  /** Nanoseconds from socket creation to the echo read back. */
  long once(Proxy proxy) throws IOException {
    random.nextBytes(payload);
    long start = System.nanoTime();
    long end;
    byte[] back;
    try (Socket socket = new Socket()) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      proxy.open(socket, echo, CONNECT_TIMEOUT_MILLIS);
      socket.getOutputStream().write(payload);
      back = socket.getInputStream().readNBytes(PAYLOAD_BYTES);
      end = System.nanoTime();
    }
    if (!Arrays.equals(payload, back)) {
      throw new IOException(
          proxy.name() + ": echo returned " + back.length + " bytes that differ from those sent");
    }
    return end - start;
  }
}
