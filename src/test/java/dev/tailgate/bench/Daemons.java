package dev.tailgate.bench;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads, so that a stuck connection never keeps the benchmark's JVM alive. */
final class Daemons {
  private Daemons() {}

  static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "bench-" + prefix + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
