package dev.tailgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code tailgate up} for the gateway and measures, side by side in the same run: the time
 * from {@code tailgate up} to the first connection relayed to the peer, tailscaled's own time from
 * its start to Running, and to the first connection straight through its port 1055.
 */
final class GatewayStart {
  private static final Duration LIMIT = Duration.ofSeconds(120);
  private static final Duration RELAY_GRACE = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  private GatewayStart() {}

  static void measure(RealTailnet net, List<String> upArgs) throws Exception {
    String page = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/";
    long n0 = System.nanoTime();
    RunningProcess up = net.startGateway(upArgs);
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    CompletableFuture<Long> viaRelay =
        CompletableFuture.supplyAsync(() -> firstSuccess(net, RealTailnet.RELAY_PORT, page, stop));
    CompletableFuture<Long> viaDaemon =
        CompletableFuture.supplyAsync(
            () -> firstSuccess(net, RealTailnet.GATEWAY_SOCKS_PORT, page, stop));
    CompletableFuture<Long> running = CompletableFuture.supplyAsync(() -> firstRunning(net));

    TailgateCli.awaitReady(up, net.tailgateLog, LIMIT);
    long ready = System.nanoTime();
    long direct = viaDaemon.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
    long runningAt = running.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
    long daemonStarted = startNanos(net.gatewayDaemonPid());
    // tailscaled works; give the relay a little longer, then let each scenario say what fails.
    long relayed;
    try {
      relayed = viaRelay.get(RELAY_GRACE.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      stop.set(true);
      relayed = -1;
    }

    Timings t = net.timings;
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

  /** Polls a GET of {@code url} through the SOCKS5 proxy on {@code port}; when it first worked. */
  private static long firstSuccess(
      RealTailnet net, int port, String url, java.util.concurrent.atomic.AtomicBoolean stop) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    try {
      while (System.nanoTime() < deadline && !stop.get()) {
        Clients.Timed r =
            net.clients.timed(
                Clients.curlSocks5h(port, url, "--connect-timeout", "5", "-o", "/dev/null"),
                Duration.ofSeconds(70));
        if (r.ok()) {
          return r.endNanos();
        }
        Thread.sleep(25);
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no connection through port " + port);
  }

  /** Polls the gateway's LocalAPI until it says Running; when it first did. */
  static long firstRunning(RealTailnet net) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (backendState(net).equals("Running")) {
          return System.nanoTime();
        }
        Thread.sleep(20);
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("the gateway's tailscaled was not Running within " + LIMIT);
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
