package dev.tailgate.gateway;

import dev.tailgate.bootstrap.BootstrapException;
import dev.tailgate.bootstrap.LogTail;
import dev.tailgate.config.TailgateConfig;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * {@code tailgate up --detach}: starts the same command without {@code --detach} in a session of
 * its own, the way this one was started ({@link SameLaunch}: through the launcher, with its archive
 * and JVM flags), its output appended to a log, and returns once its relay is ready. A tailgate
 * that is already up is left as it is.
 */
public final class Detach {
  /** Long enough for a login through a slow control server ({@code tailscale up --timeout=60s}). */
  private static final long READY_TIMEOUT_MS = 120_000;

  private Detach() {}

  /**
   * @param mainClass the class whose {@code main} runs tailgate's command line
   * @return empty once a tailgate is up, or the background tailgate's exit status when it exited
   *     before it was ready
   * @throws IOException when it is not ready after two minutes, or cannot be started
   */
  public static OptionalInt start(String mainClass, List<String> originalArgs, PrintWriter err)
      throws IOException, BootstrapException, InterruptedException {
    Optional<RunState> running = RunState.read();
    if (running.isPresent() && running.get().ready()) {
      err.printf(
          "tailgate: already up (pid %d), relay on %s%n",
          running.get().pid(), running.get().relay());
      return OptionalInt.empty();
    }
    Path log = TailgateConfig.stateHome().resolve("tailgate.log");
    Files.createDirectories(
        log.getParent(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    if (!Files.exists(log)) {
      Files.createFile(
          log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    List<String> command = new ArrayList<>();
    command.add(Programs.find("setsid", null, "install util-linux").toString());
    command.addAll(
        SameLaunch.current()
            .command(mainClass, originalArgs.stream().filter(a -> !a.equals("--detach")).toList()));
    Process child =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
    while (System.nanoTime() < deadline) {
      Optional<RunState> state = RunState.read();
      if (state.isPresent() && state.get().pid() == child.pid() && state.get().ready()) {
        err.printf(
            "tailgate: up in the background (pid %d), relay on %s, log in %s%n",
            child.pid(), state.get().relay(), log);
        return OptionalInt.empty();
      }
      if (child.waitFor(100, TimeUnit.MILLISECONDS)) {
        err.println(
            "tailgate: the background tailgate exited ("
                + child.exitValue()
                + "): "
                + LogTail.of(log, 2));
        return OptionalInt.of(child.exitValue());
      }
    }
    throw new IOException(
        "the background tailgate (pid " + child.pid() + ") is not ready after 120 s; see " + log);
  }
}
