package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.socksx.v5.Socks5CommandResponse;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.proxy.Socks5ProxyHandler;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Dials through an upstream SOCKS5 server (tailscaled's port 1055) with netty's {@link
 * Socks5ProxyHandler}. Target names stay unresolved and go upstream as SOCKS5 domain names, so
 * tailscaled resolves MagicDNS. A small handler sits in front of the proxy handler to read the
 * upstream's reply code, so a refusal for one target is told apart from a broken upstream.
 */
public final class Socks5Dialer implements UpstreamDialer {
  private final Transports transport;
  private final InetSocketAddress upstream;
  private final Duration dialTimeout;

  public Socks5Dialer(Transports transport, InetSocketAddress upstream, Duration dialTimeout) {
    this.transport = transport;
    this.upstream = upstream;
    this.dialTimeout = dialTimeout;
  }

  @Override
  public Future<Channel> dial(Channel inbound, String host, int port) {
    Promise<Channel> promise = inbound.eventLoop().newPromise();
    ReplySniffer sniffer = new ReplySniffer();
    Socks5ProxyHandler proxy = new Socks5ProxyHandler(upstream);
    proxy.setConnectTimeoutMillis(dialTimeout.toMillis());
    transport
        .outbound(inbound.eventLoop(), dialTimeout)
        .resolver(NoopAddressResolverGroup.INSTANCE)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast(PipelineNames.UPSTREAM_PROXY, proxy);
                // The proxy handler put its decoder in front of itself; read replies between them.
                ch.pipeline()
                    .addBefore(PipelineNames.UPSTREAM_PROXY, PipelineNames.UPSTREAM_REPLY, sniffer);
                // The proxy handler reports a failed handshake through connectFuture and then
                // again as an exception down the pipeline; the dial has dealt with it already.
                ch.pipeline().addLast(PipelineNames.UPSTREAM_ERRORS, DialErrorSink.INSTANCE);
              }
            })
        .connect(InetSocketAddress.createUnresolved(host, port))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                promise.tryFailure(
                    new DialException(DialErrors.upstream(describe(), f.cause()), f.cause()));
              }
            });
    proxy
        .connectFuture()
        .addListener(
            (Future<Channel> f) -> {
              if (f.isSuccess()) {
                f.getNow().pipeline().remove(PipelineNames.UPSTREAM_REPLY);
                f.getNow().pipeline().remove(PipelineNames.UPSTREAM_ERRORS);
                promise.trySuccess(f.getNow());
                return;
              }
              DialFailure failure =
                  sniffer.status != null && sniffer.status != Socks5CommandStatus.SUCCESS
                      ? DialFailure.upstreamReply(sniffer.status.byteValue())
                      : DialErrors.upstream(describe(), f.cause());
              promise.tryFailure(new DialException(failure, f.cause()));
            });
    return promise;
  }

  @Override
  public String describe() {
    return "socks5://" + ConnectionState.format(upstream);
  }

  /** Swallows the exception a failed upstream handshake sends down the pipeline after the fact. */
  @ChannelHandler.Sharable
  private static final class DialErrorSink extends ChannelInboundHandlerAdapter {
    static final DialErrorSink INSTANCE = new DialErrorSink();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Remembers the status of the upstream's command reply on its way to the proxy handler. */
  private static final class ReplySniffer extends ChannelInboundHandlerAdapter {
    private Socks5CommandStatus status;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Socks5CommandResponse response) {
        status = response.status();
      }
      ctx.fireChannelRead(msg);
    }
  }
}
