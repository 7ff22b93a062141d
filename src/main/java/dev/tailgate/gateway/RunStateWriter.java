package dev.tailgate.gateway;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps the run-state file ({@link RunState}) current while the gateway runs: written once before
 * the relay's ready line, again every {@link #PERIOD_SECONDS} s and after each reload, and removed
 * on close (if it is still this process's).
 */
final class RunStateWriter implements AutoCloseable {
  static final long PERIOD_SECONDS = 2;

  private final Path dir;
  private final Supplier<RunState> state;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tailgate-run-state");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param dir where the file goes ({@link RunState#dir()} but in tests)
   * @param state the gateway's state now; called on the writer's thread and on reload's
   */
  RunStateWriter(Path dir, Supplier<RunState> state) {
    this.dir = dir;
    this.state = state;
  }

  /** Writes the file, so that it is there when this returns, then keeps it current. */
  void start() throws IOException {
    write();
    timer.scheduleWithFixedDelay(
        this::writeQuietly, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
  }

  /** Writes the file now; a failure leaves the last good one for the next tick to replace. */
  synchronized void writeQuietly() {
    try {
      write();
    } catch (IOException | RuntimeException e) {
      // The next tick tries again; status shows the last good state meanwhile.
    }
  }

  private synchronized void write() throws IOException {
    state.get().write(dir);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    RunState.remove(dir, ProcessHandle.current().pid());
  }
}
