package dev.tailgate.cli;

import dev.tailgate.gateway.RunState;
import dev.tailgate.web.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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

  @Option(
      names = "--json",
      description = "Print the state as JSON: the admin listener's /api/status when it answers.")
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
      out.println(adminStatus(s).orElse(RunState.JSON.writeValueAsString(s)));
      return ExitCodes.OK;
    }
    out.printf("tailgate    pid %d, up since %s%n", s.pid(), s.started());
    out.printf(
        "relay       %s%s -> %s%n",
        s.relay(), s.relayUnix() == null ? "" : " and unix:" + s.relayUnix(), s.upstream());
    if (s.admin() != null) {
      out.printf("admin       http://%s/%n", s.admin());
    }
    out.printf("connections %d open, %d since start%n", s.openConnections(), s.totalConnections());
    Status.Daemon d = s.daemon();
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

  /** The admin listener's /api/status, the fuller view, when it answers within 2 s. */
  private static Optional<String> adminStatus(RunState s) {
    if (s.admin() == null) {
      return Optional.empty();
    }
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(URI.create("http://" + s.admin() + "/api/status"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
