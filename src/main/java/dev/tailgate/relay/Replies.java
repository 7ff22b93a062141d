package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;

/** How one protocol answers the outcome of a request, each reply in its own dialect. */
interface Replies {

  /** The tunnel is up; bytes flow after this reply. */
  ChannelFuture success(ChannelHandlerContext ctx);

  /** The allowlist refused the target (SOCKS5 0x02, SOCKS4 0x5B, HTTP 403). */
  ChannelFuture denied(ChannelHandlerContext ctx, String reason);

  /** A limit refused the connection (SOCKS5 0x02, SOCKS4 0x5B, HTTP 503). */
  default ChannelFuture overLimit(ChannelHandlerContext ctx, String reason) {
    return denied(ctx, reason);
  }

  /** The dial failed; the reply carries the cause where the protocol can say it. */
  ChannelFuture failed(ChannelHandlerContext ctx, DialFailure failure);

  /**
   * The gate knew, without dialling, that the admitted target cannot be reached ({@link
   * UpstreamGate#unreachable}): as {@link #failed}, and SOCKS5 also carries the reason, which
   * concerns only a target the client may reach, in the reply's bound address.
   */
  default ChannelFuture knownUnreachable(ChannelHandlerContext ctx, DialFailure failure) {
    return failed(ctx, failure);
  }

  /**
   * The target is connected. A tunnel (the default, false) then gets {@link #success} and the two
   * channels are spliced; the HTTP forwarder returns true and takes the channel for one request.
   */
  default boolean forward(Channel target) {
    return false;
  }

  /**
   * Whether an idle upstream connection to the same target may serve this request instead of a
   * fresh dial: only for forwarded HTTP, whose exchanges end where the next may begin.
   */
  default boolean reuses() {
    return false;
  }
}
