package dev.tailgate.audit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The last refusals (decision deny, or a failed handshake), newest first, for the status page:
 * bounded, so a flood of refused connections costs a fixed amount of memory.
 */
public final class RecentRefusals implements ConnectionLog {
  private final int capacity;
  private final Deque<ConnectionEvent> events;

  public RecentRefusals(int capacity) {
    this.capacity = capacity;
    this.events = new ArrayDeque<>(capacity);
  }

  @Override
  public synchronized void record(ConnectionEvent event) {
    if (event.isRequest() || !"deny".equals(event.decision()) && !"denied".equals(event.result())) {
      return;
    }
    if (events.size() == capacity) {
      events.removeLast();
    }
    events.addFirst(event);
  }

  /** Newest first. */
  public synchronized List<ConnectionEvent> list() {
    return new ArrayList<>(events);
  }

  @Override
  public void close() {}
}
