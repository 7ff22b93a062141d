package dev.tailgate.connect;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Tells an IP address literal from a name, without a DNS lookup. */
final class IpLiteral {
  private IpLiteral() {}

  /** The address bytes (4 or 16) of an IPv4 dotted quad or an IPv6 literal; null for a name. */
  static byte[] parse(String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.indexOf(':') >= 0) {
      if (h.indexOf('%') >= 0) {
        return null; // a zone id: leave it to the relay as a name
      }
      try {
        return InetAddress.getByName(h).getAddress(); // a literal with ':' is never looked up
      } catch (UnknownHostException e) {
        return null;
      }
    }
    return dottedQuad(h);
  }

  private static byte[] dottedQuad(String h) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    for (int i = 0; i <= h.length(); i++) {
      char c = i < h.length() ? h.charAt(i) : '.';
      if (c >= '0' && c <= '9') {
        if (value == 0) {
          return null; // a leading zero may mean octal: the relay's allowlist judges such forms
        }
        value = value < 0 ? c - '0' : value * 10 + (c - '0');
        if (value > 255) {
          return null;
        }
      } else if (c == '.' && value >= 0 && part < 4) {
        out[part++] = (byte) value;
        value = -1;
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }
}
