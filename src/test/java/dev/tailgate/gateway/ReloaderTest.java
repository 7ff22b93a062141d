package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a running gateway reloads: on a change of its config file's bytes (written in place or
 * renamed over, as editors do), not on a save without changes nor on other files beside it; and
 * requests that arrive while one waits are folded into it.
 */
class ReloaderTest {
  /** Longer than the settle time and an inotify round trip. */
  private static final long SEEN_MS = Reloader.MAX_SETTLE + 3_000;

  @TempDir Path dir;

  private final List<String> reloads = new CopyOnWriteArrayList<>();

  private void awaitReloads(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SEEN_MS);
    while (reloads.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private Reloader started(Path file) throws Exception {
    Reloader r = new Reloader(file, reloads::add);
    r.start();
    return r;
  }

  @Test
  void aChangedFileReloadsOnce() throws Exception {
    Path file = Files.writeString(dir.resolve("tailgate.yml"), "allow: [a:22]\n");
    Reloader r = started(file);
    try {
      Files.writeString(file, "allow: [b:22]\n");
      awaitReloads(1);
      Thread.sleep(Reloader.MAX_SETTLE);
    } finally {
      r.close();
    }
    assertThat(reloads).containsExactly("file change");
  }

  @Test
  void aNewFileRenamedOverTheOldOneIsAChange() throws Exception {
    Path file = Files.writeString(dir.resolve("tailgate.yml"), "allow: [a:22]\n");
    Reloader r = started(file);
    try {
      Path saved = Files.writeString(dir.resolve(".tailgate.yml.swp"), "allow: [c:22]\n");
      Files.move(saved, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      awaitReloads(1);
    } finally {
      r.close();
    }
    assertThat(reloads).containsExactly("file change");
  }

  @Test
  void theSameBytesAndOtherFilesReloadNothing() throws Exception {
    Path file = Files.writeString(dir.resolve("tailgate.yml"), "allow: [a:22]\n");
    Reloader r = started(file);
    try {
      Files.writeString(file, "allow: [a:22]\n");
      Files.writeString(dir.resolve("connections.log"), "{}\n");
      Thread.sleep(SEEN_MS);
    } finally {
      r.close();
    }
    assertThat(reloads).isEmpty();
  }

  @Test
  void requestsWhileOneWaitsAreFoldedIntoIt() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Reloader r =
        new Reloader(
            null,
            why -> {
              seen.add(why);
              running.countDown();
              try {
                release.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            })) {
      r.request("first");
      assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
      r.request("second");
      r.request("third");
      r.request("fourth");
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (seen.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(200);
    }
    assertThat(seen).containsExactly("first", "second");
  }
}
