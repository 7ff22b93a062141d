package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.audit.ConnectionLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A connection log that keeps events in memory, for assertions. */
final class RecordingLog implements ConnectionLog {
  private final List<ConnectionEvent> events = new ArrayList<>();

  @Override
  public synchronized void record(ConnectionEvent event) {
    events.add(event);
    notifyAll();
  }

  synchronized List<ConnectionEvent> events() {
    return List.copyOf(events);
  }

  /** Waits until {@code n} events have been recorded, then returns the last one. */
  synchronized ConnectionEvent await(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (events.size() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("expected " + n + " log events, got " + events);
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return events.get(n - 1);
  }

  ConnectionEvent last() throws InterruptedException {
    return await(1, Duration.ofSeconds(5));
  }

  @Override
  public void close() {}
}
