package dev.tailgate.relay;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The target of a request in absolute form ({@code GET http://host:port/path HTTP/1.1}), which is
 * what a client sends to the proxy named in {@code http_proxy}.
 *
 * @param target where to dial: the host as named (never resolved here) and the port, 80 by default
 * @param authority the {@code Host} field the target gets, as the URL had it (RFC 9112 §3.2.2)
 * @param originForm the path and query the target gets in the request line
 */
record AbsoluteForm(TunnelRequest target, String authority, String originForm) {

  /** A request target tailgate does not forward; the message is the 400's body. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads {@code uri}, or says in one sentence why it is not an {@code http://} URL to forward. */
  static AbsoluteForm parse(String uri) throws Refused {
    if (!uri.contains("://")) {
      throw new Refused(
          "tailgate is a proxy: send the full URL (GET http://host/path), or CONNECT host:port");
    }
    URI url;
    try {
      url = new URI(uri);
    } catch (URISyntaxException e) {
      throw new Refused("malformed request target: " + e.getReason());
    }
    String scheme = url.getScheme();
    if ("https".equalsIgnoreCase(scheme)) {
      throw new Refused("https:// URLs go through CONNECT, which tailgate tunnels: use CONNECT");
    }
    String authority = url.getRawAuthority();
    if (!"http".equalsIgnoreCase(scheme) || authority == null) {
      throw new Refused("only http:// URLs are forwarded (got " + scheme + ")");
    }
    if (url.getRawUserInfo() != null || authority.indexOf('@') >= 0) {
      throw new Refused("user:password in the URL is not forwarded");
    }
    TunnelRequest target = HttpConnectHandshake.Authority.parse(authority);
    if (target == null) {
      target = HttpConnectHandshake.Authority.parse(authority + ":80");
    }
    if (target == null) {
      throw new Refused("malformed host or port in " + authority);
    }
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    String query = url.getRawQuery() == null ? "" : "?" + url.getRawQuery();
    return new AbsoluteForm(target, authority, path + query);
  }
}
