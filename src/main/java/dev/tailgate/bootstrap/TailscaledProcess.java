package dev.tailgate.bootstrap;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One tailscaled process: started detached in a session of its own ({@code setsid}), so it outlives
 * tailgate, with its output appended to a log file; or adopted from the pid file a previous
 * tailgate left. Stopped with TERM, then KILL after a grace period.
 */
final class TailscaledProcess {
  /** Where the pid of the daemon tailgate started is kept, inside tailscaled's state dir. */
  static final String PID_FILE = "tailgate-tailscaled.pid";

  private final ProcessHandle handle;

  private TailscaledProcess(ProcessHandle handle) {
    this.handle = handle;
  }

  /**
   * Starts {@code argv} in a new session, stdin from /dev/null, output to {@code log} (0600).
   *
   * @param unsetEnv variables the daemon must not inherit (an auth key given as {@code env:VAR})
   */
  static TailscaledProcess start(List<String> argv, Path log, Set<String> unsetEnv, Path setsid)
      throws IOException {
    if (!Files.exists(log)) {
      Files.createDirectories(log.toAbsolutePath().getParent());
      Files.createFile(
          log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    List<String> command = new ArrayList<>();
    command.add(setsid.toString());
    command.addAll(argv);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    unsetEnv.forEach(env::remove);
    return new TailscaledProcess(pb.start().toHandle());
  }

  /** The daemon a previous tailgate started, if its pid file names a live tailscaled. */
  static Optional<TailscaledProcess> adopt(Path stateDir) {
    Path pidFile = stateDir.resolve(PID_FILE);
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
      long pid = Long.parseLong(lines.get(0).strip());
      Instant started = lines.size() > 1 ? Instant.parse(lines.get(1).strip()) : null;
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(h -> started == null || h.info().startInstant().map(started::equals).orElse(true))
          .filter(h -> h.info().commandLine().map(c -> c.contains("tailscaled")).orElse(true))
          .map(TailscaledProcess::new);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Records this process in {@code stateDir} so a later tailgate can adopt or stop it. */
  void writePidFile(Path stateDir) throws IOException {
    String text =
        handle.pid() + "\n" + handle.info().startInstant().map(Instant::toString).orElse("") + "\n";
    Path tmp = Files.createTempFile(stateDir, "pid", ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    Files.move(
        tmp,
        stateDir.resolve(PID_FILE),
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  long pid() {
    return handle.pid();
  }

  boolean isAlive() {
    return handle.isAlive();
  }

  CompletableFuture<ProcessHandle> onExit() {
    return handle.onExit();
  }

  /** TERM, then KILL if it is still there after {@code grace}; waits for it to be gone. */
  void stop(Duration grace) {
    if (!handle.isAlive()) {
      return;
    }
    handle.destroy();
    try {
      handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception stillThere) {
      handle.destroyForcibly();
      try {
        handle.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // A process that survives SIGKILL for 5 s is beyond our reach; the caller goes on.
      }
    }
  }
}
