package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.policy.Allowlist;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** One relay listener: binds, serves until closed. */
public final class RelayServer implements AutoCloseable {
  private final Channel server;
  private final RelayStats stats;

  private RelayServer(Channel server, RelayStats stats) {
    this.server = server;
    this.stats = stats;
  }

  public RelayStats stats() {
    return stats;
  }

  /**
   * Binds the listener on {@code group}'s loops; connections are served on the same loops, and each
   * connection's upstream leg on its client's loop.
   *
   * <p>A bind failure (address in use, address not local) is thrown as netty reports it, an {@link
   * java.io.IOException} such as {@link java.net.BindException}.
   */
  public static RelayServer start(
      RelaySettings settings,
      Allowlist allowlist,
      UpstreamDialer dialer,
      UpstreamGate gate,
      ConnectionLog log,
      RelayStats stats,
      EventLoopGroup group,
      Transports transport)
      throws InterruptedException {
    Tunneler tunneler = new Tunneler(allowlist, dialer, gate, stats, settings.idleTimeout());
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new RelayInitializer(tunneler, settings, log, stats))
            .bind(settings.listen())
            .sync()
            .channel();
    return new RelayServer(server, stats);
  }

  /** Whether the listener still accepts. */
  public boolean isListening() {
    return server.isActive();
  }

  /** The bound address (with the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
