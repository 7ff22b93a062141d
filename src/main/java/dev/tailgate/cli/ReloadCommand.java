package dev.tailgate.cli;

import dev.tailgate.gateway.RunState;
import dev.tailgate.web.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tailgate reload}: SIGHUP to the running tailgate, then its verdict on the new file. */
@Command(
    name = "reload",
    mixinStandardHelpOptions = true,
    description = {
      "Reload the running tailgate's allowlist and limits from its --config file (the same as"
          + " `kill -HUP PID`, or saving the file) and print what changed. A file with an error is"
          + " rejected whole and the running policy stays: exit code 3. Established connections"
          + " stay up unless close-denied-on-reload is set. Exit code 6 when no tailgate runs."
    })
final class ReloadCommand implements Callable<Integer> {
  /** How long the running tailgate has to answer. */
  static final long WAIT_MS = 10_000;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Optional<RunState> state = RunState.read();
    if (state.isEmpty()) {
      err.println("tailgate: no tailgate is running, so there is nothing to reload");
      return ExitCodes.NOT_RUNNING;
    }
    long pid = state.get().pid();
    Status.Reload before = state.get().lastReload();
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).inheritIO().start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      err.println("tailgate: could not send SIGHUP to tailgate (pid " + pid + ")");
      return ExitCodes.FAILURE;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
    while (System.nanoTime() < deadline) {
      Optional<Status.Reload> now = lastReload();
      if (now.isPresent() && !Objects.equals(now.get(), before)) {
        Status.Reload r = now.get();
        err.println("tailgate: reload" + (r.ok() ? ": " : " ") + r.message());
        return r.ok() ? ExitCodes.OK : ExitCodes.CONFIG;
      }
      Thread.sleep(50);
    }
    err.println(
        "tailgate: sent SIGHUP to tailgate (pid "
            + pid
            + "), but it reported no reload within "
            + WAIT_MS / 1000
            + " s; its log (standard error) may say why");
    return ExitCodes.FAILURE;
  }

  private static Optional<Status.Reload> lastReload() {
    try {
      return RunState.read().map(RunState::lastReload);
    } catch (IOException e) {
      return Optional.empty(); // mid-rewrite: the next look finds it
    }
  }
}
