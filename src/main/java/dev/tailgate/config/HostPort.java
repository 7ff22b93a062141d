package dev.tailgate.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Parses {@code HOST:PORT} and {@code [IPV6]:PORT}, where HOST is an address literal or {@code
 * localhost}.
 */
public final class HostPort {
  private HostPort() {}

  /**
   * @param what how the value is named in errors, e.g. {@code --listen}
   * @throws ConfigException when the value is not an address literal with a port 0..65535
   */
  public static InetSocketAddress parse(String value, String what) throws ConfigException {
    String v = value == null ? "" : value.strip();
    int colon = v.lastIndexOf(':');
    if (colon <= 0) {
      throw new ConfigException(what + ": expected HOST:PORT, got '" + v + "'");
    }
    String host = v.substring(0, colon);
    String portText = v.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new ConfigException(what + ": write an IPv6 address in brackets, e.g. [::1]:1080");
    }
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new ConfigException(what + ": port '" + portText + "' is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException(what + ": port " + port + " is out of range 0-65535");
    }
    byte[] literal = "localhost".equalsIgnoreCase(host) ? new byte[] {127, 0, 0, 1} : literal(host);
    if (literal == null) {
      throw new ConfigException(
          what + ": '" + host + "' is not an IP address (names are not resolved here)");
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(literal), port);
    } catch (UnknownHostException e) {
      throw new ConfigException(what + ": bad address '" + host + "'", e);
    }
  }

  /** Formats an address back as {@code host:port}, brackets around IPv6. */
  public static String format(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /**
   * The bytes of an IPv4 dotted quad or an IPv6 literal, or null. By hand and with the JDK only: no
   * resolver is asked, and no netty class is loaded (`tailgate up` parses its addresses before it
   * starts tailscaled, and netty's NetUtil costs a good part of that time).
   */
  static byte[] literal(String host) {
    if (host.indexOf(':') < 0) {
      return ipv4(host);
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') {
        return null;
      }
    }
    try {
      // In brackets the JDK parses the text as an IPv6 literal or fails; it never looks it up.
      return InetAddress.getByName("[" + host + "]").getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] ipv4(String host) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    int digits = 0;
    for (int i = 0; i <= host.length(); i++) {
      char c = i == host.length() ? '.' : host.charAt(i);
      if (c == '.') {
        if (digits == 0 || part == 4) {
          return null;
        }
        out[part++] = (byte) value;
        value = -1;
        digits = 0;
      } else if (c >= '0' && c <= '9' && digits < 3) {
        value = (value < 0 ? 0 : value * 10) + (c - '0');
        digits++;
        if (value > 255) {
          return null;
        }
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }
}
