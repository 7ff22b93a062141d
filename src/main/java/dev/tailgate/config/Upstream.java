package dev.tailgate.config;

import java.net.InetSocketAddress;

/**
 * Where the relay sends allowed connections: a SOCKS5 server (tailscaled's, by default) or {@code
 * direct} from this host.
 *
 * @param socks5 the SOCKS5 server, or {@code null} for direct
 */
public record Upstream(InetSocketAddress socks5) {
  public static final String DEFAULT = "socks5://127.0.0.1:1055";

  public static Upstream parse(String value, String what) throws ConfigException {
    String v = value == null ? "" : value.strip();
    if (v.equals("direct")) {
      return new Upstream(null);
    }
    if (!v.startsWith("socks5://")) {
      throw new ConfigException(what + ": expected socks5://HOST:PORT or direct, got '" + v + "'");
    }
    InetSocketAddress address = HostPort.parse(v.substring("socks5://".length()), what);
    if (address.getPort() == 0) {
      throw new ConfigException(what + ": the upstream needs a real port, not 0");
    }
    return new Upstream(address);
  }

  public boolean isDirect() {
    return socks5 == null;
  }

  @Override
  public String toString() {
    return isDirect() ? "direct" : "socks5://" + HostPort.format(socks5);
  }
}
