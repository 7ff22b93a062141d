package dev.tailgate.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.localapi.IpnBusMask;
import dev.tailgate.localapi.IpnBusWatch;
import dev.tailgate.localapi.IpnState;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.localapi.TailscaleStatus;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches a Running daemon three ways and reports the first sign of trouble once: the process
 * exits; the IPN bus says the state left Running (or the stream breaks); the LocalAPI fails two
 * probes in a row (a wedged daemon, e.g. SIGSTOP).
 */
final class Monitor {
  private final LocalApiClient api;
  private final ScheduledExecutorService exec;
  private final Consumer<String> trouble;
  private final Consumer<TailscaleStatus> fresh;

  private int generation;
  private IpnBusWatch bus;
  private ScheduledFuture<?> probe;
  private int probeFailures;

  Monitor(
      LocalApiClient api,
      ScheduledExecutorService exec,
      Consumer<String> trouble,
      Consumer<TailscaleStatus> fresh) {
    this.api = api;
    this.exec = exec;
    this.trouble = trouble;
    this.fresh = fresh;
  }

  synchronized void watch(Optional<TailscaledProcess> process) {
    stop();
    int gen = ++generation;
    process.ifPresent(
        p -> p.onExit().thenAccept(h -> report(gen, "tailscaled (pid " + h.pid() + ") exited")));
    try {
      bus = api.watchIpnBus(IpnBusMask.INITIAL_STATE, notify -> onNotify(gen, notify));
      bus.done().whenComplete((ok, error) -> report(gen, "the LocalAPI's IPN bus stream ended"));
    } catch (RuntimeException e) {
      report(gen, "cannot watch the IPN bus: " + e.getMessage());
    }
    probeFailures = 0;
    long every = BootstrapSettings.PROBE_INTERVAL.toMillis();
    probe = exec.scheduleWithFixedDelay(() -> probe(gen), every, every, TimeUnit.MILLISECONDS);
  }

  private void onNotify(int gen, JsonNode notify) {
    JsonNode state = notify.get("State");
    if (state != null && state.isInt() && state.asInt() != IpnState.RUNNING.code()) {
      String name =
          IpnState.fromCode(state.asInt()).map(IpnState::wireName).orElse("state " + state.asInt());
      report(gen, "tailscaled left Running for " + name);
    }
  }

  private void probe(int gen) {
    try {
      TailscaleStatus s =
          api.status().get(BootstrapSettings.PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (s.state().orElse(IpnState.NO_STATE) != IpnState.RUNNING) {
        report(gen, "tailscaled is " + s.backendState());
      } else {
        fresh.accept(s);
      }
      probeFailures = 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (++probeFailures >= 2) {
        report(gen, "the LocalAPI did not answer two probes in a row");
      }
    }
  }

  private void report(int gen, String what) {
    synchronized (this) {
      if (gen != generation) {
        return;
      }
      generation++;
    }
    trouble.accept(what);
  }

  synchronized void stop() {
    generation++;
    if (bus != null) {
      bus.close();
      bus = null;
    }
    if (probe != null) {
      probe.cancel(false);
      probe = null;
    }
  }
}
