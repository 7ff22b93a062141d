package dev.tailgate.localpeer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The second stage of a lookup, on a thread of its own: the process holding a client's socket,
 * found by a {@link ProcessTable} walk. Lazy, because the walk is the identity's cost: a lookup is
 * due only {@code delay} after its owner was found (at once when its caller needs the process), and
 * is dropped if its connection ended by then; the due ones are answered together, with a walk at
 * most once per walk interval, and never more than a twentieth of one core's time ({@link
 * #PAUSE_FACTOR}): a walk through a client that holds ten thousand sockets takes tens of
 * milliseconds, and at one walk per interval while such a client keeps connecting, the walks took
 * more CPU than the relay, and their garbage doubled its heap (bench-load: 465 MiB RSS by uid
 * against 190 by address).
 */
final class ProcessStage {
  /** The pause after a walk is at least this many times its length: walks take at most 5 %. */
  static final long PAUSE_FACTOR = 19;

  private final long walkIntervalNanos;
  private final long delayNanos;
  private final ProcessTable table;
  private final BlockingQueue<LocalPeers.Request> queue =
      new ArrayBlockingQueue<>(LocalPeers.MAX_QUEUED);
  private volatile Thread thread;

  ProcessStage(Path proc, Duration walkInterval, Duration delay) {
    this.walkIntervalNanos = walkInterval.toNanos();
    this.delayNanos = delay.toNanos();
    this.table = new ProcessTable(proc, ProcessHandle.current().pid());
  }

  /** Starts the stage's thread; once, before the first {@link #offer}. */
  void start() {
    thread = LocalPeers.start("tailgate-localpeer-process", this::run);
  }

  /**
   * Queues {@code r}, whose owner was found; says so in its process stage when there is no room.
   */
  void offer(LocalPeers.Request r) {
    r.due = System.nanoTime() + (r.processAtOnce ? 0 : delayNanos);
    if (!queue.offer(r)) {
      r.process.complete(
          r.found.withoutProcess("more than " + LocalPeers.MAX_QUEUED + " process lookups queued"));
    } else if (r.processAtOnce) {
      LockSupport.unpark(thread);
    }
  }

  /** How many walks of /proc there were. */
  int walks() {
    return table.walks();
  }

  /**
   * The stage's thread: waits until the earliest lookup is due (arrivals meanwhile do not wake it,
   * so a burst of clients costs one wake-up, not one each), drops the lookups whose connection
   * ended, and answers the due ones, with a walk at most once per walk interval for what the last
   * walk did not see.
   */
  private void run() {
    List<LocalPeers.Request> pending = new ArrayList<>();
    long nextWalk = System.nanoTime();
    while (true) {
      if (pending.isEmpty() && !LocalPeers.take(queue, pending)) {
        return;
      }
      queue.drainTo(pending, LocalPeers.MAX_QUEUED - pending.size());
      pending.removeIf(r -> r.process.isDone());
      if (pending.isEmpty()) {
        continue;
      }
      long now = System.nanoTime();
      long wake = Math.max(earliest(pending), nextWalk);
      if (wake - now > 0) {
        LockSupport.parkNanos(this, wake - now);
        if (Thread.interrupted()) {
          return;
        }
        continue;
      }
      List<LocalPeers.Request> due = new ArrayList<>();
      pending.removeIf(r -> r.due - now <= 0 && due.size() < LocalPeers.MAX_BATCH && due.add(r));
      try {
        long started = System.nanoTime();
        if (walk(due)) {
          long ended = System.nanoTime();
          nextWalk = ended + pauseAfter(ended - started, walkIntervalNanos);
        }
        for (LocalPeers.Request r : due) {
          long pid = table.remembered(r.inode);
          r.process.complete(
              pid < 0
                  ? r.found.withoutProcess(
                      "no process of uid "
                          + r.found.uid()
                          + " holds the socket now: gone, or not ours to read")
                  : r.found.withProcess(pid, table.command(pid), table.tree(pid)));
        }
      } catch (RuntimeException e) {
        due.forEach(r -> r.process.complete(r.found.withoutProcess("process walk failed: " + e)));
      }
    }
  }

  /** The pause after a walk that took {@code walkNanos}: the interval, or longer for long walks. */
  static long pauseAfter(long walkNanos, long walkIntervalNanos) {
    return Math.max(walkIntervalNanos, walkNanos * PAUSE_FACTOR);
  }

  private static long earliest(List<LocalPeers.Request> pending) {
    long earliest = pending.get(0).due;
    for (LocalPeers.Request r : pending) {
      if (r.due - earliest < 0) {
        earliest = r.due;
      }
    }
    return earliest;
  }

  /**
   * Walks for the inodes of {@code due} that the last walk did not see, in the processes of their
   * owners' uids; whether it walked.
   */
  private boolean walk(List<LocalPeers.Request> due) {
    Set<Long> missing = new HashSet<>();
    Set<Integer> uids = new HashSet<>();
    for (LocalPeers.Request r : due) {
      if (table.remembered(r.inode) < 0) {
        missing.add(r.inode);
        uids.add(r.found.uid());
      }
    }
    if (missing.isEmpty()) {
      return false;
    }
    table.walk(missing, uids);
    return true;
  }
}
