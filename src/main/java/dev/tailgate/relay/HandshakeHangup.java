package dev.tailgate.relay;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;

/**
 * Closes a client that ends its side (EOF or reset) before its request is complete, so that it
 * frees its handshake slot at once instead of at the deadline. The listener allows half-closure, so
 * an EOF is only an event that each handshake would otherwise have to act on; this one place, last
 * in the handshake pipeline, acts on it for all of them. After the request an EOF is data (the
 * tunnel carries the half-close), so it is passed on untouched, and the relay removes this handler
 * with the other handshake steps.
 */
@ChannelHandler.Sharable
final class HandshakeHangup extends ChannelInboundHandlerAdapter {
  static final HandshakeHangup INSTANCE = new HandshakeHangup();

  static final String CLOSED = "client closed during the handshake";

  private HandshakeHangup() {}

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof ChannelInputShutdownEvent) || !hungUp(ctx, CLOSED)) {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)
        || !hungUp(ctx, "client reset during the handshake: " + DialErrors.oneLine(cause))) {
      ctx.fireExceptionCaught(cause);
    }
  }

  /**
   * Closes the connection if it is still waiting for its request, logged as the client's close;
   * says whether it did. Also for a decoder that reports the client's EOF as a malformed message.
   */
  static boolean hungUp(ChannelHandlerContext ctx, String reason) {
    ConnectionState state = ConnectionState.of(ctx.channel());
    if (state == null || !state.awaitingRequest()) {
      return false;
    }
    state.fail("protocol_error", reason);
    state.closedBy("client");
    ctx.close();
    return true;
  }
}
