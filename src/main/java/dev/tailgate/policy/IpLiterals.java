package dev.tailgate.policy;

/**
 * Parses and prints IP literals by hand, so nothing here can ever reach a resolver. IPv4 accepts
 * every form {@code inet_aton} accepts (decimal, hex and octal parts, one to four parts), because
 * that is how a disguised address reaches a socket; IPv6 accepts RFC 4291 text, as {@code
 * inet_pton} does.
 */
final class IpLiterals {
  private static final long IPV4_MAX = 0xFFFF_FFFFL;

  private IpLiterals() {}

  /**
   * True when the last dot-separated label is a number (all decimal digits, or {@code 0x} and hex
   * digits). Such a host is meant as an IPv4 address (WHATWG URL "ends in a number"): it must parse
   * as one or it is invalid, never a name. No DNS top-level domain is numeric.
   */
  static boolean endsInNumber(String lower) {
    String last = lower.substring(lower.lastIndexOf('.') + 1);
    if (last.isEmpty()) {
      return false;
    }
    if (last.startsWith("0x")) {
      return allHex(last, 2);
    }
    for (int i = 0; i < last.length(); i++) {
      if (!isDigit(last.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses an IPv4 address in any {@code inet_aton} form: {@code a.b.c.d}, {@code a.b.c} (c is 16
   * bits), {@code a.b} (b is 24 bits) or {@code a} (32 bits); each part decimal, {@code 0x} hex or
   * {@code 0}-prefixed octal. Input is lowercase.
   *
   * @throws IllegalArgumentException with a short problem description when it does not parse
   */
  static byte[] parseIpv4(String lower) {
    long[] parts = new long[4];
    int count = 0;
    int start = 0;
    while (true) {
      int dot = lower.indexOf('.', start);
      int end = dot < 0 ? lower.length() : dot;
      if (count == 4) {
        throw new IllegalArgumentException("looks like an IPv4 address but has more than 4 parts");
      }
      parts[count++] = parseIpv4Part(lower.substring(start, end));
      if (dot < 0) {
        break;
      }
      start = dot + 1;
    }
    for (int i = 0; i < count - 1; i++) {
      if (parts[i] > 255) {
        throw new IllegalArgumentException("IPv4 part " + parts[i] + " is out of range 0-255");
      }
    }
    long lastMax = IPV4_MAX >>> (8 * (count - 1));
    if (parts[count - 1] > lastMax) {
      throw new IllegalArgumentException(
          "IPv4 part " + parts[count - 1] + " is out of range 0-" + lastMax);
    }
    long value = parts[count - 1];
    for (int i = 0; i < count - 1; i++) {
      value |= parts[i] << (8 * (3 - i));
    }
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }

  private static long parseIpv4Part(String part) {
    if (part.isEmpty()) {
      throw new IllegalArgumentException("looks like an IPv4 address but has an empty part");
    }
    int radix = 10;
    int from = 0;
    if (part.startsWith("0x")) {
      radix = 16;
      from = 2;
    } else if (part.length() > 1 && part.charAt(0) == '0') {
      radix = 8;
      from = 1;
    }
    if (from == part.length()) {
      throw new IllegalArgumentException("IPv4 part " + Printable.quote(part) + " has no digits");
    }
    long value = 0;
    for (int i = from; i < part.length(); i++) {
      int digit = asciiDigit(part.charAt(i), radix);
      if (digit < 0) {
        throw new IllegalArgumentException(
            "IPv4 part " + Printable.quote(part) + " is not a number");
      }
      value = value * radix + digit;
      if (value > IPV4_MAX) {
        throw new IllegalArgumentException(
            "IPv4 part " + Printable.quote(part) + " is too large for an IPv4 address");
      }
    }
    return value;
  }

  /** Parses RFC 4291 IPv6 text (no brackets, no zone) into 16 bytes, or returns null. */
  static byte[] parseIpv6(String text) {
    if (text.length() > 45) {
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
      if (item.isEmpty() || item.length() > 4 || !allHex(item, 0)) {
        return null;
      }
      out[i] = Integer.parseInt(item, 16);
    }
    if (quad) {
      byte[] v4 = parseDottedQuad(last);
      if (v4 == null) {
        return null;
      }
      out[out.length - 2] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
      out[out.length - 1] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
    }
    return out;
  }

  /** Strict {@code d.d.d.d}, decimal, no leading zeros: the only IPv4 form inside IPv6 text. */
  private static byte[] parseDottedQuad(String text) {
    String[] items = text.split("\\.", -1);
    if (items.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String item = items[i];
      if (item.isEmpty() || item.length() > 3 || (item.length() > 1 && item.charAt(0) == '0')) {
        return null;
      }
      for (int j = 0; j < item.length(); j++) {
        if (!isDigit(item.charAt(j))) {
          return null;
        }
      }
      int value = Integer.parseInt(item);
      if (value > 255) {
        return null;
      }
      out[i] = (byte) value;
    }
    return out;
  }

  /** Dotted-quad text of 4 bytes. */
  static String formatIpv4(byte[] a) {
    return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
  }

  /** RFC 5952 text of 16 bytes: lowercase, no leading zeros, the longest zero run as "::". */
  static String formatIpv6(byte[] a) {
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

  private static boolean allHex(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isDigit(c) && (c < 'a' || c > 'f') && (c < 'A' || c > 'F')) {
        return false;
      }
    }
    return true;
  }

  /** The value of an ASCII digit in {@code radix} (8, 10 or 16, lowercase hex), or -1. */
  private static int asciiDigit(char c, int radix) {
    int value = isDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    return value < radix ? value : -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
