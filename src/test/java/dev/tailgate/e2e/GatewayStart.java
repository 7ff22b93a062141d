package dev.tailgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Starts {@code tailgate up} for the gateway and measures, side by side in the same run: the time
 * from {@code tailgate up} to the first connection relayed to the peer, tailscaled's own time from
 * its start to Running, and to the first connection straight through its port 1055. The three
 * pollers are threads of one python3 process in the namespace ({@code
 * src/test/e2e/start_poller.py}, every 10 ms), started before {@code up}.
 */
final class GatewayStart {
  private static final Duration LIMIT = Duration.ofSeconds(120);
  private static final Duration RELAY_GRACE = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  private GatewayStart() {}

  static void measure(RealTailnet net, List<String> upArgs) throws Exception {
    Path output = net.logs.resolve("start-poller.txt");
    try (RunningProcess poller =
        RunningProcess.start(
            net.ns.exec(
                List.of(
                    "python3",
                    Path.of("src/test/e2e/start_poller.py").toAbsolutePath().toString(),
                    Integer.toString(RealTailnet.RELAY_PORT),
                    Integer.toString(RealTailnet.GATEWAY_SOCKS_PORT),
                    net.gatewaySocket.toString(),
                    net.peerName,
                    Integer.toString(RealTailnet.HTTP_PORT),
                    "/",
                    Long.toString(LIMIT.toSeconds()))),
            output)) {
      awaitLine(poller, output, "ready", Duration.ofSeconds(20));
      long n0 = System.nanoTime();
      RunningProcess up = net.startGateway(upArgs);
      TailgateCli.awaitReady(up, net.tailgateLog, LIMIT);
      long ready = System.nanoTime();
      long direct = awaitLine(poller, output, "direct", LIMIT);
      long runningAt = awaitLine(poller, output, "running", LIMIT);
      long daemonStarted = startNanos(net.gatewayDaemonPid());
      // tailscaled works; give the relay a little longer, then let each scenario say what fails.
      long relayed = awaitLine(poller, output, "relay", RELAY_GRACE);
      record(net.timings, n0, daemonStarted, runningAt, direct, ready, relayed);
    }
  }

  private static void record(
      Timings t,
      long n0,
      long daemonStarted,
      long runningAt,
      long direct,
      long ready,
      long relayed) {
    t.put(
        "gateway: tailgate up -> tailscaled started (JVM start, settings)",
        Timings.ms(Duration.ofNanos(daemonStarted - n0)));
    t.put(
        "gateway: tailscaled started -> Running (incl. the login tailgate runs)",
        Timings.ms(Duration.ofNanos(runningAt - daemonStarted)));
    t.put(
        "gateway: tailscaled started -> first connection through its port 1055",
        Timings.ms(Duration.ofNanos(direct - daemonStarted)));
    t.put("gateway: tailgate up -> ready line", Timings.ms(Duration.ofNanos(ready - n0)));
    if (relayed < 0) {
      t.put(
          "gateway: tailgate up -> first relayed connection",
          "NONE within " + RELAY_GRACE.toSeconds() + " s of the first through 1055");
      return;
    }
    Duration total = Duration.ofNanos(relayed - n0);
    Duration own = Duration.ofNanos(direct - daemonStarted);
    t.put("gateway: tailgate up -> first relayed connection", Timings.ms(total));
    t.put(
        "gateway: first via 1055 -> first via relay",
        Timings.ms(Duration.ofNanos(relayed - direct)));
    t.put(
        "gateway: tailgate's cost (up -> first relayed, less tailscaled's start -> first via 1055)",
        String.format(
            "%d ms, %.1f %% of the total",
            total.minus(own).toMillis(), 100.0 * total.minus(own).toNanos() / total.toNanos()));
  }

  /**
   * The poller's time for {@code name} (System.nanoTime's clock: both are CLOCK_MONOTONIC), or -1
   * when it said it gave up or {@code timeout} passed.
   */
  private static long awaitLine(RunningProcess poller, Path output, String name, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(output)) {
        if (line.equals(name)) {
          return 0;
        }
        if (line.startsWith(name + " ")) {
          String value = line.substring(name.length() + 1).strip();
          return value.equals("none") ? -1 : Long.parseLong(value);
        }
      }
      if (!poller.process().isAlive()) {
        throw new IOException("the start poller exited: " + poller.output());
      }
      Thread.sleep(10);
    }
    if (name.equals("ready")) {
      throw new IOException("the start poller did not start: " + poller.output());
    }
    return -1;
  }

  /**
   * When process {@code pid} started, on the {@link System#nanoTime} clock, to 10 ms: its start in
   * clock ticks since boot ({@code /proc/PID/stat}) against the time since boot now.
   */
  static long startNanos(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long startTicks = Long.parseLong(fields[19]); // field 22, starttime
    String uptime = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
    long now = System.nanoTime();
    double ageSeconds = Double.parseDouble(uptime) - startTicks / 100.0; // USER_HZ is 100
    return now - (long) (ageSeconds * 1e9);
  }

  /** The gateway's BackendState from its LocalAPI (curl over the unix socket), or "". */
  static String backendState(RealTailnet net) throws IOException, InterruptedException {
    if (net.gatewaySocket == null || !java.nio.file.Files.exists(net.gatewaySocket)) {
      return "";
    }
    RunningProcess.Result r =
        RunningProcess.run(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "2",
                "--unix-socket",
                net.gatewaySocket.toString(),
                "http://local-tailscaled.sock/localapi/v0/status?peers=false"),
            new byte[0],
            Duration.ofSeconds(5));
    if (r.exitCode() != 0) {
      return "";
    }
    try {
      JsonNode status = JSON.readTree(r.output());
      return status.path("BackendState").asText();
    } catch (IOException notJson) {
      return "";
    }
  }
}
