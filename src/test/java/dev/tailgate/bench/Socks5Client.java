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
  static final int ATYP_DOMAIN_NAME = 3;
  private static final int ATYP_IPV6 = 4;
  private static final byte[] GREETING = {VERSION, 1, NO_AUTH};

  private Socks5Client() {}

  /**
   * Greets the proxy, asks it to CONNECT to {@code target} and reads its reply, in two round trips.
   * Returns when the tunnel is open; throws if the proxy refuses or answers out of protocol.
   */
  static void connect(InputStream in, OutputStream out, InetSocketAddress target)
      throws IOException {
    byte[] connect = connectRequest(target);
    out.write(GREETING);
    out.flush();
    checkMethod(readFully(in, 2));
    out.write(connect);
    out.flush();
    byte[] head = readFully(in, 4);
    int atyp = checkReply(head);
    int addressLength = atyp == ATYP_DOMAIN_NAME ? readFully(in, 1)[0] & 0xff : addressLength(atyp);
    readFully(in, addressLength + 2);
  }

  /** The greeting: version 5, one method, no authentication. */
  static byte[] greeting() {
    return GREETING.clone();
  }

  /** The CONNECT request for {@code target}, an IPv4 address. */
  static byte[] connectRequest(InetSocketAddress target) {
    if (!(target.getAddress() instanceof Inet4Address ipv4)) {
      throw new IllegalArgumentException("an IPv4 target is needed, not " + target);
    }
    byte[] ip = ipv4.getAddress();
    int port = target.getPort();
    return new byte[] {
      VERSION, CONNECT, 0, ATYP_IPV4, ip[0], ip[1], ip[2], ip[3], (byte) (port >>> 8), (byte) port
    };
  }

  /** Checks the proxy's answer to the greeting (two bytes). */
  static void checkMethod(byte[] method) throws ProtocolException {
    if (method[0] != VERSION || method[1] != NO_AUTH) {
      throw new ProtocolException(
          String.format("proxy chose method 0x%02x (version %d)", method[1], method[0]));
    }
  }

  /**
   * Checks the first four bytes of the proxy's reply to CONNECT and returns its address type; the
   * caller reads the bound address that follows.
   */
  static int checkReply(byte[] head) throws ProtocolException {
    if (head[0] != VERSION) {
      throw new ProtocolException("proxy answered with version " + head[0]);
    }
    if (head[1] != 0) {
      throw new ProtocolException(String.format("proxy refused CONNECT: reply 0x%02x", head[1]));
    }
    return head[3];
  }

  /**
   * The length of the bound address of type {@code atyp} in a reply, for the fixed-length types; a
   * domain name's length is in the byte that follows the type.
   */
  static int addressLength(int atyp) throws ProtocolException {
    return switch (atyp) {
      case ATYP_IPV4 -> 4;
      case ATYP_IPV6 -> 16;
      default -> throw new ProtocolException("proxy answered with address type " + atyp);
    };
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
