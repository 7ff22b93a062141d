package dev.tailgate.gateway;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.relay.DirectDialer;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.relay.RelaySettings;
import dev.tailgate.relay.RelayStats;
import dev.tailgate.relay.Transports;
import dev.tailgate.relay.UpstreamGate;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/** A relay as the gateway starts one without tailscaled, on its own event loop. */
final class TestRelay implements AutoCloseable {
  final RelayServer server;
  private final EventLoopGroup group;

  TestRelay(TailgateConfig cfg, ConnectionLog log) throws Exception {
    Transports transport = Transports.best();
    group = transport.newGroup(1);
    RelaySettings settings = Gateway.relaySettings(cfg, null);
    server =
        RelayServer.start(
            settings,
            PolicyReload.allowlist(cfg, null),
            new DirectDialer(transport, settings.dialTimeout()),
            UpstreamGate.OPEN,
            log,
            new RelayStats(),
            group,
            transport);
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
