package dev.tailgate.bootstrap;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The supervisor's latest changes of phase, for the status page: a short ring, newest first. */
public final class PhaseHistory {
  private static final int SIZE = 20;

  /** A change of phase. */
  public record Transition(Instant at, Supervisor.Phase phase, String note) {}

  private final Deque<Transition> ring = new ArrayDeque<>();

  synchronized void add(Supervisor.Phase phase, String note) {
    if (ring.size() == SIZE) {
      ring.removeLast();
    }
    ring.addFirst(new Transition(Instant.now(), phase, note));
  }

  synchronized List<Transition> latest() {
    return List.copyOf(ring);
  }
}
