package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The warm-up drives whole tunnels through the relay's own handlers, and nothing of it reaches a
 * listener: it ends by itself, on a daemon thread.
 */
class WarmupTest {
  private static final RelaySettings SETTINGS =
      new RelaySettings(
          new InetSocketAddress("127.0.0.1", 0),
          RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
          RelaySettings.DEFAULT_DIAL_TIMEOUT,
          RelaySettings.DEFAULT_IDLE_TIMEOUT,
          null);

  @Test
  void relaysEveryTunnelBothWays() {
    assertThat(new Warmup(SETTINGS).tunnels(50)).isEqualTo(50);
  }

  @Test
  void endsByItselfOnADaemonThread() throws Exception {
    Transports transport = Transports.best();
    EventLoopGroup group = transport.newGroup(1);
    Thread t = Warmup.inBackground(SETTINGS, true, group, transport, new RelayStats());
    assertThat(t.isDaemon()).isTrue();
    t.join(Duration.ofSeconds(60).toMillis());
    assertThat(t.isAlive()).isFalse();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void collectsOnceAtTheEndOnlyWhileNoClientHasCome() {
    RelayStats idle = new RelayStats();
    long before = collections();
    assertThat(Warmup.collectUnlessServing(idle)).isTrue();
    assertThat(collections()).isGreaterThan(before);

    RelayStats serving = new RelayStats();
    serving.accepted(new ConnectionState(new EmbeddedChannel()));
    assertThat(Warmup.collectUnlessServing(serving)).isFalse();
  }

  /** Collections of every collector of this JVM so far. */
  private static long collections() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionCount)
        .sum();
  }
}
