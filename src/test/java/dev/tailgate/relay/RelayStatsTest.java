package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** The open-connection bookkeeping behind the limits, the status page and the reload re-check. */
class RelayStatsTest {
  @Test
  void countsTwoOpenConnectionsWhoseIdsCollideAsTwo() {
    // Every EmbeddedChannel has the same id, as two real channels may (32 random bits).
    ConnectionState first = new ConnectionState(new EmbeddedChannel());
    ConnectionState second = new ConnectionState(new EmbeddedChannel());
    assertThat(first.id).isEqualTo(second.id);
    RelayStats stats = new RelayStats();

    stats.accepted(first);
    stats.accepted(second);
    assertThat(stats.open()).isEqualTo(2);
    assertThat(stats.live(10)).hasSize(2);

    stats.closed(first);
    assertThat(stats.open()).isEqualTo(1);
    assertThat(stats.states()).containsExactly(second);
  }
}
