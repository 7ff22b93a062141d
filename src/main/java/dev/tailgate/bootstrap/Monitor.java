package dev.tailgate.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.localapi.IpnBusMask;
import dev.tailgate.localapi.IpnBusWatch;
import dev.tailgate.localapi.IpnState;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.localapi.TailscaleStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches a Running daemon three ways and reports the first sign of trouble once: the process
 * exits; the IPN bus says the state left Running (or the stream breaks); the LocalAPI fails two
 * probes in a row (a wedged daemon, e.g. SIGSTOP). Hands each Running status on; while the daemon
 * is not in its control server's map poll it probes every {@link #UNTIL_CONNECTED}, so that the
 * moment control's netmap comes is seen at once (see {@link ControlLink}).
 */
final class Monitor {
  /**
   * How often a daemon not yet (or no longer) in control's map poll is probed: often for the first
   * 10 s, then every second while control stays away.
   */
  static final Duration UNTIL_CONNECTED = Duration.ofMillis(50);

  private static final int OFTEN = 200;
  private static final Duration CONTROL_AWAY = Duration.ofSeconds(1);

  private final LocalApiClient api;
  private final ScheduledExecutorService exec;
  private final Consumer<String> trouble;
  private final Consumer<TailscaleStatus> fresh;

  private int generation;
  private IpnBusWatch bus;
  private ScheduledFuture<?> probe;
  private int probeFailures;
  private int unconnected;

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
    unconnected = 0;
    next(gen, UNTIL_CONNECTED);
  }

  /** Probes soon: a status showed the daemon out of control's map poll. */
  synchronized void hurry() {
    if (probe != null && probe.getDelay(TimeUnit.MILLISECONDS) > UNTIL_CONNECTED.toMillis()) {
      probe.cancel(false);
      next(generation, UNTIL_CONNECTED);
    }
  }

  private synchronized void next(int gen, Duration after) {
    if (gen == generation) {
      probe = exec.schedule(() -> probe(gen), after.toMillis(), TimeUnit.MILLISECONDS);
    }
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
    Duration after = BootstrapSettings.PROBE_INTERVAL;
    try {
      TailscaleStatus s =
          api.status().get(BootstrapSettings.PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (s.state().orElse(IpnState.NO_STATE) != IpnState.RUNNING) {
        report(gen, "tailscaled is " + s.backendState());
      } else {
        fresh.accept(s);
        if (s.inControlsMapPoll()) {
          unconnected = 0;
        } else {
          after = ++unconnected < OFTEN ? UNTIL_CONNECTED : CONTROL_AWAY;
        }
      }
      probeFailures = 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      if (++probeFailures >= 2) {
        report(gen, "the LocalAPI did not answer two probes in a row");
      }
    }
    next(gen, after);
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
