package dev.tailgate.gateway;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.audit.JsonLinesLog;
import dev.tailgate.audit.RecentRefusals;
import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.relay.RelayStats;
import dev.tailgate.web.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where each connection's event goes: the connection log (JSON lines), the metrics that {@code
 * /metrics} scrapes and the last refusals the status page lists, as one {@link ConnectionLog}.
 *
 * @param log all three; the relay writes to it, the gateway closes it
 */
record Telemetry(Metrics metrics, RecentRefusals refusals, ConnectionLog log) {
  /** Refusals the status page lists. */
  static final int RECENT_REFUSALS = 50;

  /**
   * @param logFile the connection log's file, or {@code null} for standard output
   */
  static Telemetry open(Path logFile) throws IOException {
    Metrics metrics = new Metrics();
    RecentRefusals refusals = new RecentRefusals(RECENT_REFUSALS);
    ConnectionLog log =
        ConnectionLog.tee(
            logFile == null ? JsonLinesLog.toStdout() : JsonLinesLog.toFile(logFile),
            metrics,
            refusals);
    return new Telemetry(metrics, refusals, log);
  }

  /**
   * The gauges read when {@code /metrics} is scraped: open connections, and tailscaled's restarts
   * and phase when a supervisor runs it.
   *
   * @param supervisor tailscaled's, or {@code null} with {@code --no-bootstrap}
   */
  void gauges(RelayStats stats, Supervisor supervisor) {
    metrics.gauge(
        "tailgate.connections.open", "Client connections open now", stats, RelayStats::open);
    if (supervisor != null) {
      metrics.gauge(
          "tailgate.rebootstraps",
          "tailscaled re-bootstraps since start",
          supervisor,
          s -> s.snapshot().restarts());
      metrics.phases(
          () -> supervisor.snapshot().phase().name(),
          Arrays.stream(Supervisor.Phase.values()).map(Enum::name).toArray(String[]::new));
    }
  }
}
