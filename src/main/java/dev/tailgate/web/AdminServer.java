package dev.tailgate.web;

import dev.tailgate.relay.Credentials;
import dev.tailgate.relay.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The admin listener (default 127.0.0.1:1081) on the relay's event loops. */
public final class AdminServer implements AutoCloseable {
  /** Requests are GETs: a few KiB of headers at most. */
  static final int MAX_REQUEST = 16 * 1024;

  private final Channel server;

  private AdminServer(Channel server) {
    this.server = server;
  }

  /**
   * @param credentials required (HTTP Basic) when not {@code null}
   */
  public static AdminServer start(
      InetSocketAddress address,
      AdminRoutes routes,
      Credentials credentials,
      EventLoopGroup group,
      Transports transport)
      throws InterruptedException {
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(transport.serverChannel())
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast("timeout", new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                        .addLast("http", new HttpServerCodec())
                        .addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST))
                        .addLast("admin", new AdminHandler(routes, credentials));
                  }
                })
            .bind(address)
            .sync()
            .channel();
    return new AdminServer(server);
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
