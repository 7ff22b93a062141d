package dev.tailgate.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.socksx.v4.DefaultSocks4CommandResponse;
import io.netty.handler.codec.socksx.v4.Socks4CommandRequest;
import io.netty.handler.codec.socksx.v4.Socks4CommandStatus;
import io.netty.handler.codec.socksx.v4.Socks4CommandType;

/**
 * SOCKS4 and SOCKS4a CONNECT (netty's decoder reads the 4a domain name). SOCKS4 carries no
 * password, so it is refused whenever credentials are configured.
 */
final class Socks4Handshake extends SimpleChannelInboundHandler<Socks4CommandRequest>
    implements Replies {
  private final Tunneler tunneler;
  private final Credentials credentials;

  Socks4Handshake(Tunneler tunneler, Credentials credentials) {
    this.tunneler = tunneler;
    this.credentials = credentials;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof ByteBuf buf) {
      ConnectionState.of(ctx.channel()).holdEarlyData(buf);
      return;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Socks4CommandRequest request) {
    ConnectionState state = ConnectionState.of(ctx.channel());
    if (request.decoderResult().isFailure()) {
      state.fail(
          "protocol_error",
          "malformed SOCKS4 request: " + DialErrors.oneLine(request.decoderResult().cause()));
      reject(ctx, state);
      return;
    }
    state.cancelHandshakeDeadline();
    state.targetHost = request.dstAddr();
    state.targetPort = request.dstPort();
    if (request.type() != Socks4CommandType.CONNECT) {
      state.fail("protocol_error", "SOCKS4 command " + request.type() + " is not supported");
      reject(ctx, state);
      return;
    }
    if (credentials != null) {
      state.fail("denied", "SOCKS4 cannot authenticate and a password is required: use SOCKS5");
      reject(ctx, state);
      return;
    }
    tunneler.open(ctx, new TunnelRequest(request.dstAddr(), request.dstPort()), this);
  }

  /**
   * Netty's decoder throws instead of failing the request for some input (a SOCKS4a name that
   * {@code IDN} refuses, such as a label over 63 characters): answered as a malformed request.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof DecoderException)) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    ConnectionState state = ConnectionState.of(ctx.channel());
    if (state.targetHost != null || !ctx.channel().isActive()) {
      return; // already answered
    }
    state.cancelHandshakeDeadline();
    state.fail("protocol_error", "malformed SOCKS4 request: " + DialErrors.oneLine(cause));
    reject(ctx, state);
  }

  private static void reject(ChannelHandlerContext ctx, ConnectionState state) {
    state.closedBy("relay");
    ctx.writeAndFlush(new DefaultSocks4CommandResponse(Socks4CommandStatus.REJECTED_OR_FAILED))
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public ChannelFuture success(ChannelHandlerContext ctx) {
    return ctx.writeAndFlush(new DefaultSocks4CommandResponse(Socks4CommandStatus.SUCCESS));
  }

  @Override
  public ChannelFuture denied(ChannelHandlerContext ctx, String reason) {
    return ctx.writeAndFlush(
        new DefaultSocks4CommandResponse(Socks4CommandStatus.REJECTED_OR_FAILED));
  }

  @Override
  public ChannelFuture failed(ChannelHandlerContext ctx, DialFailure failure) {
    return ctx.writeAndFlush(
        new DefaultSocks4CommandResponse(Socks4CommandStatus.REJECTED_OR_FAILED));
  }
}
