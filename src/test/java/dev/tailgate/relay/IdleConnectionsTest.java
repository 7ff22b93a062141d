package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The idle upstream connections of forwarded requests, on {@link EmbeddedChannel}s. */
class IdleConnectionsTest {
  private static final IdleConnections.Target WEB =
      new IdleConnections.Target("direct", "web.example.ts.net", 80);

  private final IdleConnections idle = new IdleConnections(Duration.ofSeconds(30));

  private static EmbeddedChannel dialled(IdleConnections.Target target) {
    EmbeddedChannel ch = new EmbeddedChannel();
    IdleConnections.dialled(ch, target);
    IdleConnections.carries(ch);
    return ch;
  }

  @Test
  void givesAnIdleConnectionBackOnceForItsTargetOnly() {
    EmbeddedChannel ch = dialled(WEB);

    idle.offer(ch);

    assertThat(idle.take(ch, new IdleConnections.Target("direct", "web.example.ts.net", 81)))
        .isNull();
    assertThat(idle.take(ch, new IdleConnections.Target("socks5", "web.example.ts.net", 80)))
        .isNull();
    assertThat(idle.take(ch, WEB)).isSameAs(ch);
    assertThat(idle.take(ch, WEB)).as("one request at a time").isNull();
    IdleConnections.carries(ch);
    assertThat(IdleConnections.reused(ch)).isTrue();
    assertThat(ch.isOpen()).isTrue();
    assertThat(idle.idle()).isZero();
  }

  @Test
  void closesAConnectionIdleTooLong() {
    EmbeddedChannel ch = dialled(WEB);
    idle.offer(ch);

    ch.advanceTimeBy(29, TimeUnit.SECONDS);
    ch.runPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(2, TimeUnit.SECONDS);
    ch.runPendingTasks();

    assertThat(ch.isOpen()).isFalse();
    assertThat(idle.take(ch, WEB)).isNull();
    assertThat(idle.idle()).isZero();
  }

  @Test
  void closesAnIdleConnectionWhoseTargetSpeaksOrCloses() {
    EmbeddedChannel talks = dialled(WEB);
    EmbeddedChannel closes = dialled(WEB);
    idle.offer(talks);
    idle.offer(closes);

    talks.writeInbound(Unpooled.copiedBuffer(new byte[] {'x'}));
    closes.close();

    assertThat(talks.isOpen()).isFalse();
    assertThat(idle.take(talks, WEB)).isNull();
    assertThat(idle.idle()).isZero();
  }

  @Test
  void aConnectionNeverDialledForReuseIsClosed() {
    EmbeddedChannel ch = new EmbeddedChannel();

    idle.offer(ch);

    assertThat(ch.isOpen()).isFalse();
    assertThat(idle.idle()).isZero();
  }
}
