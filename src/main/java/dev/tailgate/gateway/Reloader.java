package dev.tailgate.gateway;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * When to reload a running {@code tailgate up}: on SIGHUP, and when its config file's content
 * changes. The reloads themselves run one at a time on a thread of their own, and requests that
 * arrive while one is pending are folded into it.
 *
 * <p>The file is watched through its directory (inotify on Linux), so an editor that writes a new
 * file and renames it over the old one, or a symlink swapped beside it, is seen too. Any event in
 * the directory leads to a read of the file once the directory has been quiet for {@link #SETTLE}
 * ms; a reload follows only when the bytes differ from the last ones read, so unrelated files and a
 * save without changes cost nothing.
 */
final class Reloader implements AutoCloseable {
  /** Quiet time after the last change in the directory before the file is read. */
  static final long SETTLE = 300;

  /** The longest wait for that quiet, in ms. */
  static final long MAX_SETTLE = 1_000;

  private final Path file;
  private final Consumer<String> reload;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(daemon("tailgate-reload"));
  private final AtomicBoolean pending = new AtomicBoolean();
  private WatchService watcher;
  private Thread watching;
  private byte[] lastContent;

  /**
   * @param file the config file, or {@code null} when there is none (SIGHUP then re-applies the
   *     flags, which changes nothing, and says so)
   * @param reload does one reload; gets what caused it ({@code SIGHUP}, {@code file change})
   */
  Reloader(Path file, Consumer<String> reload) {
    this.file = file == null ? null : file.toAbsolutePath().normalize();
    this.reload = reload;
  }

  /** Installs the SIGHUP handler and starts watching the file. */
  void start() throws IOException {
    if (!Signals.onHangup(() -> request("SIGHUP"))) {
      throw new IOException("this JVM offers no SIGHUP handler (started with -Xrs?)");
    }
    if (file == null) {
      return;
    }
    lastContent = read();
    Path dir = file.getParent();
    watcher = FileSystems.getDefault().newWatchService();
    dir.register(
        watcher,
        StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY,
        StandardWatchEventKinds.ENTRY_DELETE);
    watching = daemon("tailgate-config-watch").newThread(this::watch);
    watching.start();
  }

  /** Asks for a reload; one already waiting to run covers this one too. */
  void request(String why) {
    if (pending.compareAndSet(false, true)) {
      worker.execute(
          () -> {
            pending.set(false);
            reload.accept(why);
          });
    }
  }

  private void watch() {
    try {
      while (true) {
        boolean touched = touchesFile(watcher.take());
        // Let a burst of events (write, rename, chmod) settle before reading, but not forever:
        // a busy directory (the connection log beside the file) never goes quiet.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_SETTLE);
        for (WatchKey more;
            System.nanoTime() < until
                && (more = watcher.poll(SETTLE, TimeUnit.MILLISECONDS)) != null; ) {
          touched |= touchesFile(more);
        }
        byte[] now = touched ? read() : null;
        if (now != null && !Arrays.equals(now, lastContent)) {
          lastContent = now;
          request("file change");
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // Closing.
    }
  }

  /**
   * Whether the key's events may have changed the file: an event on its name, lost events, or any
   * event when the file is a symlink (its target may be swapped under another name, as Kubernetes
   * does with config maps).
   */
  private boolean touchesFile(WatchKey key) {
    boolean touched = Files.isSymbolicLink(file);
    for (WatchEvent<?> e : key.pollEvents()) {
      touched |=
          e.kind() == StandardWatchEventKinds.OVERFLOW || file.getFileName().equals(e.context());
    }
    key.reset();
    return touched;
  }

  /** The file's bytes, or {@code null} while it is missing or unreadable (mid-rename). */
  private byte[] read() {
    try {
      return Files.size(file) > 1 << 20 ? new byte[0] : Files.readAllBytes(file);
    } catch (IOException e) {
      return null;
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() throws IOException {
    if (watcher != null) {
      watcher.close();
    }
    if (watching != null) {
      watching.interrupt();
    }
    worker.shutdownNow();
  }
}
