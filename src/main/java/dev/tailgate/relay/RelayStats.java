package dev.tailgate.relay;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Live counters of one listener, read by `tailgate status`. */
public final class RelayStats {
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong total = new AtomicLong();

  void accepted() {
    open.incrementAndGet();
    total.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  /** Client connections open now, in any phase. */
  public int open() {
    return open.get();
  }

  /** Client connections accepted since start. */
  public long total() {
    return total.get();
  }
}
