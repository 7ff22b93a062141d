package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.RuleSyntaxException;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A relay for tests on real sockets: loopback port 0, one event loop, these rules, and an upstream
 * of the test's choosing (by default this host, dialled directly, as with {@code --upstream
 * direct}). Closing it stops all three.
 */
final class DirectRelay implements AutoCloseable {
  private final EventLoopGroup group;
  private final DirectDialer dialer;
  final RelayServer server;

  private DirectRelay(EventLoopGroup group, DirectDialer dialer, RelayServer server) {
    this.group = group;
    this.dialer = dialer;
    this.server = server;
  }

  static DirectRelay start(List<String> rules, ConnectionLog log)
      throws RuleSyntaxException, InterruptedException {
    return start(rules, null, UpstreamGate.OPEN, log);
  }

  /** With {@code limits} instead of the default ones. */
  static DirectRelay start(List<String> rules, RelaySettings.Limits limits, ConnectionLog log)
      throws RuleSyntaxException, InterruptedException {
    return start(rules, limits, null, UpstreamGate.OPEN, log);
  }

  /** With {@code upstream} as the way through tailscaled; null: this host, directly. */
  static DirectRelay start(
      List<String> rules, UpstreamDialer upstream, UpstreamGate gate, ConnectionLog log)
      throws RuleSyntaxException, InterruptedException {
    return start(rules, RelaySettings.Limits.DEFAULT, upstream, gate, log);
  }

  private static DirectRelay start(
      List<String> rules,
      RelaySettings.Limits limits,
      UpstreamDialer upstream,
      UpstreamGate gate,
      ConnectionLog log)
      throws RuleSyntaxException, InterruptedException {
    Transports t = Transports.best();
    EventLoopGroup group = t.newGroup(1);
    DirectDialer dialer = new DirectDialer(t, Duration.ofSeconds(5));
    RelayServer server =
        RelayServer.start(
            LoopbackSettings.with(limits),
            Allowlist.parse(rules),
            upstream == null ? dialer : upstream,
            gate,
            log,
            new RelayStats(),
            group,
            t);
    return new DirectRelay(group, dialer, server);
  }

  int port() {
    return server.address().getPort();
  }

  @Override
  public void close() {
    server.close();
    dialer.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
