package dev.tailgate.bootstrap;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter and a ceiling: attempt n waits a random time in [base·2ⁿ⁻¹ /
 * 2, base·2ⁿ⁻¹], capped at the ceiling, so a crowd of restarts never beats in step.
 *
 * @param base the wait after the first failure
 * @param ceiling the longest wait, kept for every attempt after it is reached
 * @param unhealthyAfter failures in a row after which the daemon is reported unhealthy
 */
public record Backoff(Duration base, Duration ceiling, int unhealthyAfter) {
  public static final Backoff DEFAULT =
      new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30), 5);

  /** The wait before attempt {@code failures + 1}, after {@code failures} failures in a row. */
  public Duration delay(int failures) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    long max = base.toMillis() << Math.min(failures - 1, 20);
    long capped = Math.min(max, ceiling.toMillis());
    long half = capped / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(capped - half + 1));
  }

  public boolean unhealthy(int failures) {
    return failures >= unhealthyAfter;
  }
}
