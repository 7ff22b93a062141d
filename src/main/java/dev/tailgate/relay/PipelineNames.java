package dev.tailgate.relay;

/**
 * Names of the handlers in a client channel's pipeline. The pipeline changes shape as the
 * connection moves on; each step replaces itself:
 *
 * <pre>
 *  accepted:    [identity (a loopback client only), detector, hangup]
 *               identity holds the first read until the client's uid or process is known, then
 *               leaves
 *               hangup stays last through every handshake below and closes a client that ends
 *               its side before its request is complete
 *  SOCKS5:      [socks5.encoder, socks5.decoder, socks5.handshake, hangup]
 *               socks5.decoder is the initial-request decoder, then the auth decoder, then the
 *               command decoder, each replacing the one before
 *  SOCKS4/4a:   [socks4.encoder, socks4.decoder, socks4.handshake, hangup]
 *  HTTP CONNECT:[http.decoder, http.encoder, http.handshake, hangup]
 *               http.decoder leaves as soon as the request is read, so no byte after it is
 *               taken for HTTP
 *  HTTP forwarding (any other method): http.handshake hands the request to
 *               [http.decoder, http.encoder, idle, http.forwarder], which stays for the connection
 *
 *  target of one forwarded request: [upstream.proxy, http.client, http.response]
 *               between requests to the same target, idle: [upstream.proxy, http.client, the idle
 *               watcher]
 *  WebSocket upgrade (101): like relaying below, the forwarder and the HTTP codecs gone
 *  relaying:    [idle, relay]
 *
 *  upstream, while dialling through SOCKS5:
 *               [socks5 codec (added by the proxy handler), upstream.reply, upstream.proxy,
 *                upstream.errors]
 *  upstream, relaying: [upstream.proxy (now a pass-through), relay]
 * </pre>
 */
final class PipelineNames {
  static final String IDENTITY = "identity";
  static final String DETECTOR = "detector";
  static final String SOCKS5_ENCODER = "socks5.encoder";
  static final String SOCKS5_DECODER = "socks5.decoder";
  static final String SOCKS5_HANDSHAKE = "socks5.handshake";
  static final String SOCKS4_ENCODER = "socks4.encoder";
  static final String SOCKS4_DECODER = "socks4.decoder";
  static final String SOCKS4_HANDSHAKE = "socks4.handshake";
  static final String HTTP_DECODER = "http.decoder";
  static final String HTTP_ENCODER = "http.encoder";
  static final String HTTP_HANDSHAKE = "http.handshake";
  static final String HANGUP = "hangup";
  static final String HTTP_FORWARDER = "http.forwarder";
  static final String HTTP_CLIENT = "http.client";
  static final String HTTP_RESPONSE = "http.response";
  static final String IDLE = "idle";
  static final String RELAY = "relay";
  static final String UPSTREAM_PROXY = "upstream.proxy";
  static final String UPSTREAM_REPLY = "upstream.reply";
  static final String UPSTREAM_ERRORS = "upstream.errors";

  /**
   * Every handshake handler, removed once the tunnel is up; the forwarder first, so that bytes left
   * in the decoder after a WebSocket upgrade reach the relay, not it.
   */
  static final String[] HANDSHAKE = {
    SOCKS5_ENCODER,
    SOCKS5_DECODER,
    SOCKS5_HANDSHAKE,
    SOCKS4_ENCODER,
    SOCKS4_DECODER,
    SOCKS4_HANDSHAKE,
    HTTP_FORWARDER,
    HTTP_DECODER,
    HTTP_ENCODER,
    HTTP_HANDSHAKE,
    HANGUP
  };

  private PipelineNames() {}
}
