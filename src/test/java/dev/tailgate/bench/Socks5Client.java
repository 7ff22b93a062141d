package dev.tailgate.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolException;

/**
 * The client side of RFC 1928, just enough for the benchmark: no authentication, CONNECT, ATYP
 * IPv4. Written out by hand so that every proxy under test sees the same bytes in the same writes.
 */
final class Socks5Client {
  private static final int VERSION = 5;
  private static final int NO_AUTH = 0;
  private static final int CONNECT = 1;
  private static final int ATYP_IPV4 = 1;
  private static final int ATYP_DOMAIN = 3;
  private static final int ATYP_IPV6 = 4;

  private Socks5Client() {}

  /**
   * Greets the proxy, asks it to CONNECT to {@code target} and reads its reply, in two round trips.
   * Returns when the tunnel is open; throws if the proxy refuses or answers out of protocol.
   */
  static void connect(InputStream in, OutputStream out, InetSocketAddress target)
      throws IOException {
    if (!(target.getAddress() instanceof Inet4Address ipv4)) {
      throw new IllegalArgumentException("an IPv4 target is needed, not " + target);
    }
    out.write(new byte[] {VERSION, 1, NO_AUTH});
    out.flush();
    byte[] method = readFully(in, 2);
    if (method[0] != VERSION || method[1] != NO_AUTH) {
      throw new ProtocolException(
          String.format("proxy chose method 0x%02x (version %d)", method[1], method[0]));
    }

    byte[] ip = ipv4.getAddress();
    int port = target.getPort();
    out.write(
        new byte[] {
          VERSION,
          CONNECT,
          0,
          ATYP_IPV4,
          ip[0],
          ip[1],
          ip[2],
          ip[3],
          (byte) (port >>> 8),
          (byte) port
        });
    out.flush();
    byte[] head = readFully(in, 4);
    if (head[0] != VERSION) {
      throw new ProtocolException("proxy answered with version " + head[0]);
    }
    if (head[1] != 0) {
      throw new ProtocolException(String.format("proxy refused CONNECT: reply 0x%02x", head[1]));
    }
    int addressLength =
        switch (head[3]) {
          case ATYP_IPV4 -> 4;
          case ATYP_IPV6 -> 16;
          case ATYP_DOMAIN -> readFully(in, 1)[0] & 0xff;
          default -> throw new ProtocolException("proxy answered with address type " + head[3]);
        };
    readFully(in, addressLength + 2);
  }

  private static byte[] readFully(InputStream in, int length) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new EOFException(
          "proxy closed the connection after " + bytes.length + " of " + length + " bytes");
    }
    return bytes;
  }
}
