package dev.tailgate.policy;

import dev.tailgate.base.IpLiteral;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * A target host as the allowlist sees it: lowercase, without brackets, trailing dot or IPv6 zone,
 * and with every disguised IPv4 form ({@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1},
 * {@code ::ffff:7f00:1}) turned into the address it stands for. Never resolves anything: literals
 * are parsed by hand and built with {@link InetAddress#getByAddress(byte[])}.
 *
 * <p>A host is either an IP address or a DNS name, never both: a host whose last label is numeric
 * must parse as IPv4 or it is invalid.
 */
public final class NormalizedHost {
  /** Longer than any name (253) or bracketed IPv6 literal with zone; refused before any work. */
  private static final int MAX_RAW_LENGTH = 300;

  private static final int MAX_NAME_LENGTH = 253;
  private static final int MAX_LABEL_LENGTH = 63;
  private static final int MAX_ZONE_LENGTH = 64;

  private final String name;
  private final InetAddress address;
  private final byte[] bytes;

  private NormalizedHost(String name, InetAddress address, byte[] bytes) {
    this.name = name;
    this.address = address;
    this.bytes = bytes;
  }

  /**
   * Normalizes a host as a client sent it: a name, an IPv4 or IPv6 literal (maybe bracketed, maybe
   * with a zone), or an IP in disguise.
   *
   * @throws IllegalArgumentException with a one-line message naming the host and what is wrong
   */
  public static NormalizedHost of(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw invalid(raw, "host is empty");
    }
    if (raw.length() > MAX_RAW_LENGTH) {
      throw invalid(raw, "host is longer than " + MAX_RAW_LENGTH + " characters");
    }
    String host = lowerAscii(raw);
    if (host.startsWith("[")) {
      if (!host.endsWith("]")) {
        throw invalid(raw, "'[' without a closing ']'");
      }
      return ipv6(raw, host.substring(1, host.length() - 1));
    }
    if (host.indexOf(':') >= 0) {
      return ipv6(raw, host);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (InetAton.endsInNumber(host)) {
      try {
        return ip(InetAton.parseIpv4(host));
      } catch (IllegalArgumentException e) {
        throw invalid(raw, e.getMessage());
      }
    }
    String problem = nameProblem(host);
    if (problem != null) {
      throw invalid(raw, problem);
    }
    return new NormalizedHost(host, null, null);
  }

  /** The address, present when the host is an IP in any form. */
  public Optional<InetAddress> address() {
    return Optional.ofNullable(address);
  }

  /**
   * The normalized name: lowercase, no trailing dot, no brackets; for an IP its canonical text
   * (dotted quad, or RFC 5952 IPv6 without zone).
   */
  public String name() {
    return name;
  }

  /** What to send upstream: the canonical IP literal without brackets, else the normalized name. */
  public String upstreamHost() {
    return name;
  }

  /** True when this host is an IP address. */
  boolean isAddress() {
    return address != null;
  }

  /** The address bytes (4 or 16), or null for a name. Shared: callers must not modify them. */
  byte[] bytes() {
    return bytes;
  }

  /** {@code host:port} for messages, with IPv6 in brackets. */
  String withPort(int port) {
    return (bytes != null && bytes.length == 16 ? "[" + name + "]" : name) + ":" + port;
  }

  /**
   * Why {@code name} (lowercase, no trailing dot) is not a valid DNS name, or null if it is: labels
   * of letters, digits, hyphen and underscore, each 1 to 63 long, 253 in all.
   */
  static String nameProblem(String name) {
    if (name.isEmpty()) {
      return "host is empty";
    }
    if (name.length() > MAX_NAME_LENGTH) {
      return "name is longer than " + MAX_NAME_LENGTH + " characters";
    }
    int labelStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      char c = i < name.length() ? name.charAt(i) : '.';
      if (c == '.') {
        int length = i - labelStart;
        if (length == 0) {
          return "name has an empty label";
        }
        if (length > MAX_LABEL_LENGTH) {
          return "label " + Printable.quote(name.substring(labelStart, i)) + " is longer than 63";
        }
        labelStart = i + 1;
      } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
        return "character " + Printable.quote(String.valueOf(c)) + " is not allowed in a name";
      }
    }
    return null;
  }

  private static NormalizedHost ipv6(String raw, String text) {
    int percent = text.indexOf('%');
    if (percent >= 0) {
      String zone = text.substring(percent + 1);
      if (zone.isEmpty() || zone.length() > MAX_ZONE_LENGTH || nameProblem(zone) != null) {
        throw invalid(raw, "IPv6 zone " + Printable.quote(zone) + " is not valid");
      }
      text = text.substring(0, percent);
    }
    byte[] bytes = IpLiteral.parseIpv6(text);
    if (bytes == null) {
      throw invalid(raw, "not a valid IPv6 address");
    }
    return ip(bytes);
  }

  /** An address host; an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) becomes its IPv4. */
  static NormalizedHost ip(byte[] bytes) {
    byte[] own = IpLiteral.unmapped(bytes.clone());
    try {
      return new NormalizedHost(IpLiteral.format(own), InetAddress.getByAddress(own), own);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("address of length " + own.length, e);
    }
  }

  /** Lowercases ASCII; anything outside printable ASCII makes the host invalid. */
  private static String lowerAscii(String raw) {
    char[] out = new char[raw.length()];
    for (int i = 0; i < out.length; i++) {
      char c = raw.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw invalid(raw, "character " + Printable.quote(String.valueOf(c)) + " is not allowed");
      }
      out[i] = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }
    return new String(out);
  }

  private static IllegalArgumentException invalid(String raw, String problem) {
    return new IllegalArgumentException("invalid host " + Printable.quote(raw) + ": " + problem);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NormalizedHost && ((NormalizedHost) other).name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name;
  }
}
