package dev.tailgate.config;

import dev.tailgate.base.IpLiteral;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Parses {@code HOST:PORT} and {@code [IPV6]:PORT}, where HOST is an address literal as {@link
 * IpLiteral} reads it (strictly: {@code 010.0.0.1} is none) or {@code localhost}. Nothing is
 * resolved.
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
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
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
    byte[] literal =
        "localhost".equalsIgnoreCase(host) ? new byte[] {127, 0, 0, 1} : IpLiteral.parse(host);
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
}
