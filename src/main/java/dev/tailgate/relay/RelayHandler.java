package dev.tailgate.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Pumps bytes from its channel to the peer channel. Backpressure: auto-read is off on both sides,
 * and this side reads again only once the peer has taken the last write. Half-close: when this
 * side's input ends, the peer's output is shut; when both directions are done, both close.
 *
 * <p>One instance per direction, so no annotation: it holds per-connection state.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
  private final Channel peer;
  private final ConnectionState state;
  private final boolean fromClient;

  RelayHandler(Channel peer, ConnectionState state, boolean fromClient) {
    this.peer = peer;
    this.state = state;
    this.fromClient = fromClient;
  }

  /** The other leg of the tunnel, which this side writes to. */
  Channel peer() {
    return peer;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (ctx.channel() instanceof DuplexChannel duplex && duplex.isInputShutdown()) {
      // Its input ended before the tunnel was up (a request, data and a half-close sent at once):
      // that event went by before this handler was here, and a read now would fail (readMore).
      userEventTriggered(ctx, ChannelInputShutdownEvent.INSTANCE);
    } else {
      ctx.read();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (fromClient) {
      state.bytesUp += buf.readableBytes();
    } else {
      state.bytesDown += buf.readableBytes();
    }
    peer.writeAndFlush(buf)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    readMore(ctx.channel());
                  } else {
                    state.closedBy("error");
                    closeBoth(ctx.channel());
                  }
                });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      state.closedBy(side());
      if (peer instanceof DuplexChannel duplex && peer.isActive() && !duplex.isInputShutdown()) {
        // The peer may still send: only its output ends. When its input ends too, nothing is left
        // to shut half-way, so netty may close it outright, rather than shut a socket already
        // closed both ways (ENOTCONN, an exception built and dropped on every connection).
        peer.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        // shutdownOutput() fails writes still queued, so it must wait for the last of them.
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
            .addListener(
                (ChannelFutureListener)
                    written ->
                        duplex
                            .shutdownOutput()
                            .addListener(
                                (ChannelFutureListener) f -> closeIfBothDone(ctx.channel())));
      } else {
        // Both ways are done (or the peer is gone): closing sends the FIN that shutting its output
        // would, after the last write, without netty's ChannelOutputShutdownException and its
        // stack trace for every connection.
        closeBoth(ctx.channel());
      }
      return;
    }
    if (evt instanceof IdleStateEvent) {
      state.closedBy("idle");
      closeBoth(ctx.channel());
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state.closedBy(side());
    flushAndClose(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    state.closedBy("error");
    if (state.reason == null) {
      state.reason = side() + " side: " + DialErrors.oneLine(cause);
    }
    closeBoth(ctx.channel());
  }

  /**
   * Asks for the next read, unless this side's input has ended: epoll refuses to re-arm a shut-down
   * input (epoll_ctl ENOENT), which would end the tunnel with bytes still in flight.
   */
  private static void readMore(Channel ch) {
    if (!(ch instanceof DuplexChannel duplex && duplex.isInputShutdown())) {
      ch.read();
    }
  }

  private String side() {
    return fromClient ? "client" : "target";
  }

  private void closeIfBothDone(Channel self) {
    if (self instanceof DuplexChannel a
        && peer instanceof DuplexChannel b
        && a.isInputShutdown()
        && b.isInputShutdown()) {
      closeBoth(self);
    }
  }

  private void closeBoth(Channel self) {
    flushAndClose(self);
    flushAndClose(peer);
  }

  private static void flushAndClose(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      ch.close();
    }
  }
}
