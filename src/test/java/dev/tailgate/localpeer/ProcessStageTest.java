package dev.tailgate.localpeer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The process stage's walks stay within their share of a core, however long a walk takes. */
class ProcessStageTest {
  private static final long INTERVAL = TimeUnit.MILLISECONDS.toNanos(50);

  @Test
  void aShortWalkWaitsTheInterval() {
    assertThat(ProcessStage.pauseAfter(TimeUnit.MICROSECONDS.toNanos(300), INTERVAL))
        .isEqualTo(INTERVAL);
  }

  @Test
  void aLongWalkWaitsNineteenTimesItsLength() {
    // A walk through a client holding 10,000 sockets: 40 ms, then 760 ms without one.
    long walk = TimeUnit.MILLISECONDS.toNanos(40);
    long pause = ProcessStage.pauseAfter(walk, INTERVAL);
    assertThat(pause).isEqualTo(TimeUnit.MILLISECONDS.toNanos(760));
  }
}
