package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
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
    Thread t = Warmup.inBackground(SETTINGS);
    assertThat(t.isDaemon()).isTrue();
    t.join(Duration.ofSeconds(60).toMillis());
    assertThat(t.isAlive()).isFalse();
  }
}
