package dev.tailgate.bootstrap;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The part of a bring-up that needs no LocalAPI: stop what is left of an earlier daemon, make the
 * state and socket directories (0700), remove a stale socket, start tailscaled detached and record
 * its pid. JDK only, so that {@link EarlyStart} can run it before netty is loaded.
 */
final class DaemonStart {
  private DaemonStart() {}

  /**
   * @param known the daemon tailgate knows of (its pid file, or the one it started), stopped first
   */
  static TailscaledProcess fresh(
      BootstrapSettings settings, Optional<TailscaledProcess> known, Consumer<String> progress)
      throws BootstrapException {
    TailscaledCommand cmd = settings.command();
    known.ifPresent(p -> p.stop(BootstrapSettings.STOP_GRACE));
    prepareDirectories(cmd);
    removeStaleSocket(cmd.socket());
    TailscaledProcess process;
    try {
      process =
          TailscaledProcess.start(
              cmd.daemon(),
              settings.tailscaledLog(),
              settings.authKeyEnv().map(Set::of).orElse(Set.of()),
              settings.setsid());
      process.writePidFile(cmd.stateDir());
    } catch (IOException e) {
      throw new BootstrapException("cannot start " + cmd.tailscaled() + ": " + e.getMessage(), e);
    }
    progress.accept(
        "started tailscaled (pid " + process.pid() + "), log in " + settings.tailscaledLog());
    return process;
  }

  private static void prepareDirectories(TailscaledCommand cmd) throws BootstrapException {
    for (Path dir : new Path[] {cmd.stateDir(), cmd.socket().toAbsolutePath().getParent()}) {
      try {
        if (!Files.isDirectory(dir)) {
          Files.createDirectories(
              dir,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (!Files.isWritable(dir)) {
          throw new AccessDeniedException(dir.toString());
        }
      } catch (AccessDeniedException e) {
        throw new BootstrapException(
            "cannot write "
                + dir
                + ": permission denied (run as its owner, or choose another directory with --state-dir / --socket)",
            e);
      } catch (IOException e) {
        throw new BootstrapException("cannot create " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  private static void removeStaleSocket(Path socket) throws BootstrapException {
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new BootstrapException(
          "cannot remove the stale socket " + socket + ": " + e.getMessage(), e);
    }
  }
}
