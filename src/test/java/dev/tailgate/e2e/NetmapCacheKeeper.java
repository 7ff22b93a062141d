package dev.tailgate.e2e;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Keeps a copy of the gateway tailscaled's netmap cache the moment the daemon writes it, and puts
 * it back before a kill if the daemon has discarded it since, so that the next daemon starts on it.
 *
 * <p>Why: issue 14's fast restart (Running at once on the disk cache's netmap, no peers) depends on
 * timing. tailscaled v1.102.3 writes a self-only cache when its home DERP changes ({@code
 * writeNetmapToDiskLockedWithoutPeers}: "updating netmap in disk cache") and, without the
 * cache-network-maps node attribute, discards it with the next netmap from control ({@code
 * discardDiskCacheLocked}); a kill between the two gives the fast restart. On the e2e's loopback
 * headscale the next netmap follows within milliseconds, so the test puts back what the daemon
 * itself wrote, as it stood in that window.
 */
final class NetmapCacheKeeper implements AutoCloseable {
  /** The cache's "self" key as tailscaled names its file (hex); without it nothing is loaded. */
  private static final String SELF = "73656c66";

  private final Path dir;
  private final Map<String, byte[]> copy = new ConcurrentHashMap<>();
  private final WatchService watch;
  private final Thread thread;

  private NetmapCacheKeeper(Path dir) throws IOException {
    this.dir = dir;
    watch = dir.getFileSystem().newWatchService();
    dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    thread = new Thread(this::keep, "e2e-netmap-cache-keeper");
    thread.setDaemon(true);
    thread.start();
  }

  /** Watches the netmap-cache directory of the gateway's (only) profile. */
  static NetmapCacheKeeper of(RealTailnet net) throws IOException {
    try (Stream<Path> profiles = Files.list(net.gatewayState.resolve("profile-data"))) {
      Path dir = profiles.findFirst().orElseThrow().resolve("netmap-cache");
      Files.createDirectories(dir);
      return new NetmapCacheKeeper(dir);
    }
  }

  private void keep() {
    try {
      while (true) {
        WatchKey key = watch.take();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.context() instanceof Path name) {
            try {
              byte[] bytes = Files.readAllBytes(dir.resolve(name));
              if (bytes.length > 0) {
                copy.put(name.toString(), bytes);
              }
            } catch (IOException discardedAlready) {
              // too late for this one; the next write brings it again
            }
          }
        }
        key.reset();
      }
    } catch (InterruptedException | ClosedWatchServiceException closed) {
      // done
    }
  }

  /**
   * Whether the next daemon will find a cache: one on disk now, or the kept copy put back (the
   * first daemon may not have written one yet: then false).
   */
  boolean restore() throws IOException {
    if (Files.exists(dir.resolve(SELF))) {
      return true;
    }
    if (!copy.containsKey(SELF)) {
      return false;
    }
    for (Map.Entry<String, byte[]> file : copy.entrySet()) {
      Files.write(dir.resolve(file.getKey()), file.getValue());
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    watch.close();
    thread.interrupt();
  }
}
