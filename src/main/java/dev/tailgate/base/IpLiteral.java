package dev.tailgate.base;

/**
 * Reads and prints IP address literals, strictly and by hand: no resolver is ever asked and no
 * netty class is loaded (`tailgate up` and `tailgate connect` parse addresses before anything else
 * starts). The one reading, the same in config, connect and the allowlist (IpLiteralTest holds a
 * table of it):
 *
 * <ul>
 *   <li><b>IPv4</b> is four decimal parts of 0 to 255, each {@code 0} or without a leading zero.
 *       {@code 010.0.0.1}, {@code 127.1}, {@code 0x7f000001} and {@code 2130706433} are no literal
 *       here: {@code inet_aton} reads them as other addresses ({@code 010} is octal 8), and a
 *       reading that differs from the socket's lets a check pass one address while the socket dials
 *       another. The allowlist sees through those forms on purpose, to refuse loopback and metadata
 *       in disguise ({@code policy.InetAton}); everywhere else they are no address.
 *   <li><b>IPv6</b> is RFC 4291 text: one to four hex digits a group, in any case, at most one
 *       {@code ::}, the last 32 bits maybe as a strict dotted quad; at most 45 characters.
 *   <li><b>Brackets</b> enclose an IPv6 literal only (RFC 3986): {@code [::1]}, not {@code
 *       [1.2.3.4]}.
 *   <li><b>Zone ids</b> ({@code fe80::1%eth0}) are not part of a literal: such text is none here
 *       (the allowlist checks and drops a zone itself, NormalizedHost).
 *   <li><b>IPv4-mapped</b> IPv6 ({@code ::ffff:127.0.0.1}, {@code ::ffff:7f00:1}) is that IPv4
 *       address, 4 bytes, as the JDK's {@code InetAddress} reads it. Other IPv6 forms that carry an
 *       IPv4 address (NAT64, 6to4, {@code ::a.b.c.d}) stay IPv6: only the allowlist looks into
 *       them.
 * </ul>
 */
public final class IpLiteral {
  /** The longest IPv6 text: eight groups, or six groups and a dotted quad. */
  private static final int MAX_IPV6_LENGTH = 45;

  private IpLiteral() {}

  /**
   * The address of a literal as a host is written: a dotted quad, IPv6 text, or IPv6 text in
   * brackets; 4 bytes for IPv4 and IPv4-mapped IPv6, else 16. Null for anything else, names
   * included.
   */
  public static byte[] parse(String host) {
    if (host.startsWith("[") && host.endsWith("]")) {
      byte[] v6 = parseIpv6(host.substring(1, host.length() - 1));
      return v6 == null ? null : unmapped(v6);
    }
    if (host.indexOf(':') >= 0) {
      byte[] v6 = parseIpv6(host);
      return v6 == null ? null : unmapped(v6);
    }
    return parseIpv4(host);
  }

  /** The 4 bytes of a strict dotted quad (see the class comment), or null. */
  public static byte[] parseIpv4(String text) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '.';
      if (isDigit(c)) {
        if (value == 0) {
          return null; // a leading zero: octal to inet_aton
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

  /**
   * The 16 bytes of RFC 4291 text without brackets or zone, or null. An IPv4-mapped address stays
   * 16 bytes here: {@link #unmapped} turns it into its IPv4 address.
   */
  public static byte[] parseIpv6(String text) {
    if (text.length() > MAX_IPV6_LENGTH) {
      return null;
    }
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    int[] head = gap < 0 ? groups(text, true) : groups(text.substring(0, gap), false);
    int[] tail = gap < 0 ? new int[0] : groups(text.substring(gap + 2), true);
    if (head == null || tail == null) {
      return null;
    }
    int present = head.length + tail.length;
    if (gap < 0 ? present != 8 : present > 7) {
      return null;
    }
    byte[] out = new byte[16];
    for (int i = 0; i < head.length; i++) {
      out[2 * i] = (byte) (head[i] >>> 8);
      out[2 * i + 1] = (byte) head[i];
    }
    for (int i = 0; i < tail.length; i++) {
      int at = 8 - tail.length + i;
      out[2 * at] = (byte) (tail[i] >>> 8);
      out[2 * at + 1] = (byte) tail[i];
    }
    return out;
  }

  /** Colon-separated 16-bit groups; the last may be a strict dotted quad (two groups). */
  private static int[] groups(String text, boolean dottedQuadAllowedLast) {
    if (text.isEmpty()) {
      return new int[0];
    }
    String[] items = text.split(":", -1);
    String last = items[items.length - 1];
    boolean quad = dottedQuadAllowedLast && last.indexOf('.') >= 0;
    int[] out = new int[items.length + (quad ? 1 : 0)];
    for (int i = 0; i < items.length - (quad ? 1 : 0); i++) {
      String item = items[i];
      if (item.isEmpty() || item.length() > 4 || !allHex(item)) {
        return null;
      }
      out[i] = Integer.parseInt(item, 16);
    }
    if (quad) {
      byte[] v4 = parseIpv4(last);
      if (v4 == null) {
        return null;
      }
      out[out.length - 2] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
      out[out.length - 1] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
    }
    return out;
  }

  /**
   * The IPv4 address inside an IPv4-mapped IPv6 address ({@code ::ffff:0:0/96}), a new array;
   * {@code address} itself otherwise.
   */
  public static byte[] unmapped(byte[] address) {
    if (address.length != 16) {
      return address;
    }
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return address;
      }
    }
    if (address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
      return address;
    }
    return new byte[] {address[12], address[13], address[14], address[15]};
  }

  /** A dotted quad for 4 bytes; RFC 5952 text for 16: lowercase, the longest zero run as "::". */
  public static String format(byte[] address) {
    return address.length == 4 ? formatIpv4(address) : formatIpv6(address);
  }

  private static String formatIpv4(byte[] a) {
    return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
  }

  private static String formatIpv6(byte[] a) {
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder out = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(g[i]));
    }
    return out.toString();
  }

  private static boolean allHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isDigit(c) && (c < 'a' || c > 'f') && (c < 'A' || c > 'F')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
