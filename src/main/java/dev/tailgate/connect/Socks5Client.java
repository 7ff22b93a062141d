package dev.tailgate.connect;

import dev.tailgate.base.ClientTag;
import dev.tailgate.base.IpLiteral;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The client side of a SOCKS5 CONNECT (RFC 1928) over a blocking socket: greeting (no
 * authentication, or also username/password, RFC 1929, when credentials are given), then the
 * request with the name as ATYP 3 (domain name, unresolved, so tailscaled resolves MagicDNS), or
 * ATYP 1/4 for an address literal. A {@link ClientTag} rides in the username: with a tag,
 * username/password is offered beside no authentication, and a relay that picks it gets the tag
 * (after the user, when there are credentials); a relay that picks no authentication gets none.
 */
final class Socks5Client {
  private Socks5Client() {}

  /** The relay did not take part as a SOCKS5 server would. */
  static final class NotARelay extends IOException {
    NotARelay(String message) {
      super(message);
    }
  }

  /** The relay wants a username and password that were not given, or refused the ones given. */
  static final class AuthRefused extends IOException {
    AuthRefused(String message) {
      super(message);
    }
  }

  /**
   * The relay's reply.
   *
   * @param code 0 is success, anything else a failure the relay gave (see {@link #describe})
   * @param reason on a failure, the reason tailgate's relay put in the bound address (a domain
   *     name, e.g. "peer db-1.tail1234.ts.net is offline (last seen ...)"), printable ASCII; null
   *     when it gave none
   */
  record Reply(int code, String reason) {
    /** The failure as the one line that ssh shows. */
    String describe() {
      return reason == null
          ? Socks5Client.describe(code)
          : reason + String.format(" (SOCKS5 reply 0x%02x)", code);
    }
  }

  /**
   * Runs the handshake.
   *
   * @return the reply
   * @param credentials sent when the relay asks for them, or {@code null} to offer no
   *     authentication only
   * @param tag an {@link ClientTag#encode encoded} tag for the relay's log, or {@code null}
   * @throws NotARelay when the server answers something other than SOCKS5
   * @throws AuthRefused when it wants credentials that were not given, or refuses them
   * @throws IOException when the connection breaks
   */
  static Reply connect(
      Socket socket, String host, int port, ProxyCredentials credentials, String tag)
      throws IOException {
    return connect(socket.getInputStream(), socket.getOutputStream(), host, port, credentials, tag);
  }

  /** Runs the handshake on the relay's streams: a TCP socket's or a Unix-domain socket's. */
  static Reply connect(
      InputStream in,
      OutputStream out,
      String host,
      int port,
      ProxyCredentials credentials,
      String tag)
      throws IOException {
    out.write(credentials == null && tag == null ? new byte[] {5, 1, 0} : new byte[] {5, 2, 0, 2});
    out.flush();
    byte[] method = readFully(in, 2);
    if (method[0] != 5) {
      throw new NotARelay("it does not speak SOCKS5");
    }
    if (method[1] == 2 && (credentials != null || tag != null)) {
      out.write(credentials == null ? ProxyCredentials.tagOnly(tag) : credentials.request(tag));
      out.flush();
      byte[] status = readFully(in, 2);
      if (status[1] != 0 && credentials == null) {
        throw wantsCredentials(); // the tag alone was no answer to a relay with an auth-file
      } else if (status[1] != 0) {
        throw new AuthRefused("the relay refused the username and password in " + credentials.file);
      }
    } else if (method[1] == 2 || (method[1] & 0xff) == 0xff) {
      throw wantsCredentials();
    } else if (method[1] != 0) {
      throw new NotARelay(String.format("it chose authentication method 0x%02x", method[1]));
    }
    out.write(request(host, port));
    out.flush();
    byte[] head = readFully(in, 4);
    if (head[0] != 5) {
      throw new NotARelay("its reply is not SOCKS5");
    }
    int rest;
    switch (head[3]) {
      case 1:
        rest = 4;
        break;
      case 4:
        rest = 16;
        break;
      case 3:
        rest = readFully(in, 1)[0] & 0xff;
        break;
      default:
        throw new NotARelay("its reply has an unknown address type");
    }
    byte[] bound = readFully(in, rest + 2);
    int code = head[1] & 0xff;
    String reason = null;
    if (code != 0 && head[3] == 3 && rest > 0) {
      reason = new String(bound, 0, rest, StandardCharsets.US_ASCII);
      reason = reason.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? reason : null;
    }
    return new Reply(code, reason);
  }

  private static AuthRefused wantsCredentials() {
    return new AuthRefused(
        "the relay wants a username and password: give a file of one user:password line"
            + " (mode 0600) with --credentials FILE or $TAILGATE_PROXY_CREDENTIALS");
  }

  /** VER CMD RSV ATYP DST.ADDR DST.PORT. */
  static byte[] request(String host, int port) {
    byte[] address = IpLiteral.parse(host);
    byte[] name = address == null ? host.getBytes(StandardCharsets.UTF_8) : address;
    if (address == null && (name.length == 0 || name.length > 255)) {
      throw new IllegalArgumentException("the host name must have 1 to 255 bytes");
    }
    int type = address == null ? 3 : address.length == 4 ? 1 : 4;
    byte[] r = new byte[4 + (type == 3 ? 1 : 0) + name.length + 2];
    r[0] = 5;
    r[1] = 1;
    r[3] = (byte) type;
    int i = 4;
    if (type == 3) {
      r[i++] = (byte) name.length;
    }
    System.arraycopy(name, 0, r, i, name.length);
    i += name.length;
    r[i] = (byte) (port >> 8);
    r[i + 1] = (byte) port;
    return r;
  }

  /** A reply code in words, as the one line that ssh shows. */
  static String describe(int code) {
    switch (code) {
      case 1:
        return "the relay or its upstream failed (SOCKS5 general failure 0x01:"
            + " `tailgate status` tells whether tailscaled is healthy)";
      case 2:
        return "refused by tailgate's allowlist (see its connection log)";
      case 3:
        return "network unreachable (SOCKS5 reply 0x03)";
      case 4:
        return "host unreachable: no such host, or it is offline (SOCKS5 reply 0x04)";
      case 5:
        return "connection refused by the target: nothing listens on that port (SOCKS5 reply 0x05)";
      case 6:
        return "the relay's dial timed out (SOCKS5 reply 0x06)";
      case 7:
        return "the relay does not support CONNECT (SOCKS5 reply 0x07)";
      case 8:
        return "the relay does not support this address type (SOCKS5 reply 0x08)";
      default:
        return String.format("the relay failed with SOCKS5 reply 0x%02x", code);
    }
  }

  private static byte[] readFully(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new EOFException("the relay closed the connection during the SOCKS5 handshake");
    }
    return b;
  }
}
