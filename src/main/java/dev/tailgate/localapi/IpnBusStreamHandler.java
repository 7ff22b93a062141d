package dev.tailgate.localapi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Unwraps the {@code watch-ipn-bus} response: on a 200 it passes the body's bytes on, unaggregated,
 * to the line decoder; on any other status it keeps the start of the body and fails the watch with
 * it. It also tells the watch how the stream ended.
 */
final class IpnBusStreamHandler extends ChannelInboundHandlerAdapter {
  private static final int MAX_ERROR_BODY = 4096;

  private final IpnBusWatch watch;
  private HttpResponseStatus status;
  private final StringBuilder errorBody = new StringBuilder();

  IpnBusStreamHandler(IpnBusWatch watch) {
    this.watch = watch;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpObject && ((HttpObject) msg).decoderResult().isFailure()) {
        throw new LocalApiException(
            "tailscaled sent an unreadable answer to " + watch.request(),
            ((HttpObject) msg).decoderResult().cause());
      }
      if (msg instanceof HttpResponse) {
        status = ((HttpResponse) msg).status();
        if (status.code() == 200) {
          watch.streaming();
        }
      }
      if (msg instanceof HttpContent) {
        content(ctx, (HttpContent) msg);
      }
    } catch (LocalApiException e) {
      watch.fail(e);
      ctx.close();
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void content(ChannelHandlerContext ctx, HttpContent content) throws LocalApiException {
    ByteBuf bytes = content.content();
    if (status != null && status.code() == 200) {
      if (bytes.isReadable()) {
        ctx.fireChannelRead(bytes.retain());
      }
    } else if (errorBody.length() < MAX_ERROR_BODY) {
      int n = Math.min(bytes.readableBytes(), MAX_ERROR_BODY - errorBody.length());
      errorBody.append(bytes.toString(bytes.readerIndex(), n, StandardCharsets.UTF_8));
    }
    if (content instanceof LastHttpContent) {
      if (status == null || status.code() != 200) {
        throw LocalApiException.httpStatus(
            watch.request(),
            status == null ? 0 : status.code(),
            status == null ? "" : status.reasonPhrase(),
            errorBody.toString());
      }
      watch.ended();
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    // A no-op when the watch already ended or was closed by us.
    watch.fail(
        new LocalApiException(
            watch.isStreaming()
                ? "tailscaled closed the IPN bus stream (did it exit?)"
                : "tailscaled closed the connection before answering " + watch.request()));
    ctx.fireChannelInactive();
  }
}
