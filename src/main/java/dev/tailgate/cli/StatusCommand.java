package dev.tailgate.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tailgate status}: what the running tailgate and its tailscaled are doing. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show the running tailgate: relay address, upstream, tailscaled's state, pid, restarts and"
          + " last failure, and live connections. Exit code 6 when none runs."
    })
final class StatusCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print the state as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Optional<RunState> state = RunState.read();
    if (state.isEmpty()) {
      if (json) {
        out.println("{\"running\": false}");
      } else {
        out.println("tailgate is not running (no live state in " + RunState.file() + ")");
      }
      return ExitCodes.NOT_RUNNING;
    }
    RunState s = state.get();
    if (json) {
      out.println(RunState.JSON.writeValueAsString(s));
      return ExitCodes.OK;
    }
    out.printf("tailgate    pid %d, up since %s%n", s.pid(), s.started());
    out.printf("relay       %s -> %s%n", s.relay(), s.upstream());
    out.printf("connections %d open, %d since start%n", s.openConnections(), s.totalConnections());
    RunState.Daemon d = s.daemon();
    if (d == null) {
      out.println("tailscaled  not managed (--no-bootstrap)");
    } else {
      out.printf(
          "tailscaled  %s (%s), pid %s, %d restart(s), since %s%n",
          d.phase(),
          d.backendState(),
          d.pid() > 0 ? String.valueOf(d.pid()) : "unknown",
          d.restarts(),
          d.since());
      out.printf("last failure %s%n", d.lastFailure() == null ? "none" : d.lastFailure());
    }
    return ExitCodes.OK;
  }
}
