package dev.tailgate.relay;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The header fields that belong to one hop and that a proxy must not forward (RFC 9110 §7.6.1):
 * those {@code Connection} names, and the ones every proxy knows as such. Framing fields stay
 * whatever {@code Connection} names: a request that names {@code Content-Length} there would
 * otherwise reach the target with a body it cannot delimit.
 */
final class HopByHop {
  private static final List<CharSequence> ALWAYS =
      List.of(
          HttpHeaderNames.CONNECTION,
          // Deprecated in netty (not HTTP/2 fields), still sent by HTTP/1.1 clients.
          "proxy-connection",
          "keep-alive",
          HttpHeaderNames.PROXY_AUTHORIZATION,
          HttpHeaderNames.PROXY_AUTHENTICATE,
          HttpHeaderNames.TE,
          HttpHeaderNames.TRAILER,
          HttpHeaderNames.UPGRADE);

  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "host");

  private HopByHop() {}

  /** Removes the hop-by-hop fields from {@code headers}. */
  static void strip(HttpHeaders headers) {
    for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : value.split(",")) {
        String name = token.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !FRAMING.contains(name)) {
          headers.remove(name);
        }
      }
    }
    ALWAYS.forEach(headers::remove);
  }
}
