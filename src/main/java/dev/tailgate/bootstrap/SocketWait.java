package dev.tailgate.bootstrap;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for tailscaled's socket file to appear by watching its directory (inotify on Linux), not by
 * polling once a second. A second condition, checked on every wake-up, ends the wait early: the
 * process exited.
 */
final class SocketWait {
  /** How often the give-up condition is looked at even without a directory event. */
  private static final long TICK_MS = 100;

  private SocketWait() {}

  /**
   * @return true when the socket exists; false when {@code giveUp} said so or time ran out
   */
  static boolean await(Path socket, Duration timeout, BooleanSupplier giveUp)
      throws IOException, InterruptedException {
    Path dir = socket.toAbsolutePath().getParent();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
      dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
      while (true) {
        if (Files.exists(socket)) {
          return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || giveUp.getAsBoolean()) {
          return false;
        }
        WatchKey key =
            watcher.poll(
                Math.min(TICK_MS, TimeUnit.NANOSECONDS.toMillis(left) + 1), TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    } catch (ClosedWatchServiceException e) {
      return Files.exists(socket);
    }
  }
}
