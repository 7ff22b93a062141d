package dev.tailgate.localapi;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** Last handler of a one-shot LocalAPI request: completes the future with a 2xx's body. */
final class LocalApiResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
  private final String request;
  private final CompletableFuture<byte[]> body;

  /**
   * @param request "GET /localapi/v0/status", for messages
   */
  LocalApiResponseHandler(String request, CompletableFuture<byte[]> body) {
    this.request = request;
    this.body = body;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
    if (response.decoderResult().isFailure()) {
      fail(ctx, response.decoderResult().cause());
      return;
    }
    HttpResponseStatus status = response.status();
    if (status.codeClass() != HttpStatusClass.SUCCESS) { // logout answers 204
      String text = response.content().toString(StandardCharsets.UTF_8);
      body.completeExceptionally(
          LocalApiException.httpStatus(request, status.code(), status.reasonPhrase(), text));
    } else {
      body.complete(ByteBufUtil.getBytes(response.content()));
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    body.completeExceptionally(
        new LocalApiException("tailscaled closed the connection before answering " + request));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause);
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    String why =
        cause instanceof TooLongFrameException
            ? "an answer larger than "
                + LocalApiPipelines.MAX_RESPONSE_BYTES / (1024 * 1024)
                + " MiB"
            : "an unreadable answer (" + cause + ")";
    body.completeExceptionally(
        new LocalApiException("tailscaled sent " + why + " to " + request, cause));
    ctx.close();
  }
}
