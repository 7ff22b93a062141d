package dev.tailgate.policy;

/**
 * Reads IPv4 as {@code inet_aton} does (decimal, hex and octal parts, one to four parts), by hand,
 * so nothing here can ever reach a resolver. This is how an address in disguise ({@code
 * 0x7f000001}, {@code 2852039166}, {@code 0177.0.0.1}) reaches a socket, so the allowlist reads it
 * so too and sees the loopback or metadata address behind it. Every other reader of IP literals
 * uses the strict {@link dev.tailgate.base.IpLiteral}, which takes none of these forms; the
 * allowlist's IPv6 and printing are that class's too.
 */
final class InetAton {
  private static final long IPV4_MAX = 0xFFFF_FFFFL;

  private InetAton() {}

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
      for (int i = 2; i < last.length(); i++) {
        if (asciiDigit(last.charAt(i), 16) < 0) {
          return false;
        }
      }
      return true;
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

  /** The value of an ASCII digit in {@code radix} (8, 10 or 16, lowercase hex), or -1. */
  private static int asciiDigit(char c, int radix) {
    int value = isDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    return value < radix ? value : -1;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
