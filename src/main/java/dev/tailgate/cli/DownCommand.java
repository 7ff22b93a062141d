package dev.tailgate.cli;

import dev.tailgate.bootstrap.DaemonStopper;
import dev.tailgate.bootstrap.Logout;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.gateway.RunState;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tailgate down}: stops the relay, then the tailscaled it started. */
@Command(
    name = "down",
    mixinStandardHelpOptions = true,
    description = {
      "Stop the running tailgate (TERM, then KILL after 10 s) and the tailscaled it manages"
          + " (TERM, then KILL after 3 s). Nothing running is not an error."
    })
final class DownCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description = "tailscaled's state dir, when no tailgate runs to tell it (default: as `up`).")
  Path stateDir;

  @Option(
      names = "--logout",
      description =
          "Log the node out of the tailnet before stopping tailscaled (tailscale logout through"
              + " the LocalAPI; an ephemeral node leaves at once): at most 3 s, tried twice, and"
              + " the stop goes on whatever happens.")
  boolean logout;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      description =
          "tailscaled's LocalAPI socket, for --logout (default: "
              + TailgateConfig.DEFAULT_SOCKET
              + ").")
  Path socket;

  @Option(
      names = "--keep-tailscaled",
      description = "Stop only the relay; leave tailscaled running.")
  boolean keepTailscaled;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Optional<RunState> state = RunState.read();
    Path daemonState = stateDir;
    if (state.isPresent()) {
      RunState s = state.get();
      if (daemonState == null && s.stateDir() != null) {
        daemonState = Path.of(s.stateDir());
      }
      ProcessHandle tailgate = ProcessHandle.of(s.pid()).orElseThrow();
      tailgate.destroy();
      try {
        tailgate.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        tailgate.destroyForcibly();
        tailgate.onExit().get(5, TimeUnit.SECONDS);
      }
      err.printf("tailgate: stopped the relay (pid %d)%n", s.pid());
    } else {
      err.println("tailgate: no relay was running");
    }
    // After the relay: its supervisor would log a logged-out daemon in again with the key.
    if (logout) {
      Path api = socket != null ? socket : Path.of(TailgateConfig.DEFAULT_SOCKET);
      err.println(
          Logout.run(api, Logout.ATTEMPT)
              .map(why -> "tailgate: could not log out (" + why + "); stopping anyway")
              .orElse("tailgate: logged the node out of the tailnet"));
    }
    if (!keepTailscaled) {
      Path dir =
          daemonState != null ? daemonState : TailgateConfig.stateHome().resolve("tailscaled");
      Optional<Long> pid = DaemonStopper.stop(dir);
      err.println(
          pid.map(p -> "tailgate: stopped tailscaled (pid " + p + ")")
              .orElse("tailgate: no tailscaled started by tailgate was running (" + dir + ")"));
    }
    err.flush();
    return ExitCodes.OK;
  }
}
