package dev.tailgate.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The two pipelines of a LocalAPI connection, in order:
 *
 * <pre>
 * one-shot call:  HttpClientCodec -> HttpObjectAggregator(8 MiB) -> LocalApiResponseHandler
 * watch-ipn-bus:  HttpClientCodec -> IpnBusStreamHandler -> LineBasedFrameDecoder(1 MiB)
 *                 -> IpnNotifyHandler
 * </pre>
 */
final class LocalApiPipelines {
  static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
  static final int MAX_NOTIFY_LINE = 1024 * 1024;

  private LocalApiPipelines() {}

  static ChannelInitializer<Channel> oneShot(String request, CompletableFuture<byte[]> body) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline()
            .addLast(new HttpClientCodec())
            .addLast(new HttpObjectAggregator(MAX_RESPONSE_BYTES))
            .addLast(new LocalApiResponseHandler(request, body));
      }
    };
  }

  static ChannelInitializer<Channel> ipnBus(IpnBusWatch watch, Consumer<JsonNode> onNotify) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline()
            .addLast(new HttpClientCodec())
            .addLast(new IpnBusStreamHandler(watch))
            .addLast(new LineBasedFrameDecoder(MAX_NOTIFY_LINE, true, true))
            .addLast(new IpnNotifyHandler(watch, onNotify));
      }
    };
  }
}
