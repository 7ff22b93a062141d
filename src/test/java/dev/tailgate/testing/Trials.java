package dev.tailgate.testing;

import java.util.Random;

/**
 * A small property runner: a check run over many seeded random inputs. Each trial gets its own
 * seed, and a failure names it, so {@code -Dtailgate.trials.seed=S -Dtailgate.trials.tries=1}
 * replays exactly that input. Without the property the base seed is new on every run.
 */
public final class Trials {
  private static final String SEED = "tailgate.trials.seed";
  private static final String TRIES = "tailgate.trials.tries";

  /** One trial: draws its input from {@code random} and asserts about it. */
  @FunctionalInterface
  public interface Check {
    void run(Random random) throws Exception;
  }

  private Trials() {}

  /** Runs {@code check} {@code tries} times (or as often as {@code -Dtailgate.trials.tries}). */
  public static void run(int tries, Check check) {
    long base = Long.getLong(SEED, new Random().nextLong());
    int count = Integer.getInteger(TRIES, tries);
    for (int i = 0; i < count; i++) {
      long seed = base + i;
      try {
        check.run(new Random(seed));
      } catch (Throwable t) {
        throw new AssertionError(
            "trial "
                + (i + 1)
                + " of "
                + count
                + " failed; replay with -D"
                + SEED
                + "="
                + seed
                + " -D"
                + TRIES
                + "=1: "
                + t,
            t);
      }
    }
  }
}
