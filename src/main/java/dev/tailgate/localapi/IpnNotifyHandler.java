package dev.tailgate.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/** Last handler of a {@code watch-ipn-bus} stream: one line in, one JSON object to the consumer. */
final class IpnNotifyHandler extends SimpleChannelInboundHandler<ByteBuf> {
  private final IpnBusWatch watch;
  private final Consumer<JsonNode> onNotify;

  IpnNotifyHandler(IpnBusWatch watch, Consumer<JsonNode> onNotify) {
    this.watch = watch;
    this.onNotify = onNotify;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
    if (!watch.isOpen() || !line.isReadable()) {
      return;
    }
    JsonNode notify;
    try (InputStream in = new ByteBufInputStream(line)) {
      notify = Json.MAPPER.readTree(in);
    } catch (IOException e) {
      notify = null;
    }
    if (notify == null || !notify.isObject()) {
      fail(ctx, new LocalApiException("tailscaled sent an IPN bus line that is not a JSON object"));
      return;
    }
    try {
      onNotify.accept(notify);
    } catch (RuntimeException e) {
      fail(ctx, e);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(
        ctx,
        cause instanceof TooLongFrameException
            ? new LocalApiException(
                "tailscaled sent an IPN bus line longer than "
                    + LocalApiPipelines.MAX_NOTIFY_LINE / (1024 * 1024)
                    + " MiB")
            : new LocalApiException("IPN bus stream failed: " + cause, cause));
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    watch.fail(cause);
    ctx.close();
  }
}
