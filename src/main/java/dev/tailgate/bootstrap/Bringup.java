package dev.tailgate.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.localapi.IpnBusMask;
import dev.tailgate.localapi.IpnBusWatch;
import dev.tailgate.localapi.IpnState;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.localapi.TailscaleStatus;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The blocking steps that take tailscaled from whatever it is to Running: adopt a healthy daemon,
 * or stop what is left and start a new one detached ({@link DaemonStart}), wait for its socket, log
 * it in if its state says so. Runs on the supervisor's thread, never on an event loop.
 */
final class Bringup {
  private static final Set<IpnState> SETTLED =
      EnumSet.of(
          IpnState.RUNNING, IpnState.NEEDS_LOGIN, IpnState.NEEDS_MACHINE_AUTH, IpnState.STOPPED);

  private final BootstrapSettings settings;
  private final LocalApiClient api;
  private final Consumer<String> progress;

  Bringup(BootstrapSettings settings, LocalApiClient api, Consumer<String> progress) {
    this.settings = settings;
    this.api = api;
    this.progress = progress;
  }

  /** Where bring-up ended: Running, with the process when tailgate knows it. */
  record Result(Optional<TailscaledProcess> process, TailscaleStatus status, boolean adopted) {}

  /**
   * @param previous the daemon tailgate knows of, if any
   * @param restart true to stop whatever runs and start afresh (a re-bootstrap)
   */
  Result run(Optional<TailscaledProcess> previous, boolean restart)
      throws BootstrapException, InterruptedException {
    TailscaledCommand cmd = settings.command();
    Optional<TailscaledProcess> known =
        previous.isPresent() ? previous : TailscaledProcess.adopt(cmd.stateDir());
    if (!restart) {
      Optional<TailscaleStatus> status = probe();
      if (status.isPresent()) {
        progress.accept(
            "found tailscaled answering on "
                + cmd.socket()
                + " ("
                + status.get().backendState()
                + "): adopting it");
        Result adopted = new Result(known, settled(status.get(), known), true);
        warnIfShieldsDown(cmd);
        return adopted;
      }
    }
    return started(DaemonStart.fresh(settings, known, progress));
  }

  /** From a daemon just started (here or by {@link EarlyStart}) to Running. */
  Result started(TailscaledProcess process) throws BootstrapException, InterruptedException {
    awaitSocket(settings.command(), process);
    return new Result(
        Optional.of(process), settled(awaitSettled(process), Optional.of(process)), false);
  }

  private void awaitSocket(TailscaledCommand cmd, TailscaledProcess process)
      throws BootstrapException, InterruptedException {
    boolean ready;
    try {
      ready =
          SocketWait.await(cmd.socket(), BootstrapSettings.START_TIMEOUT, () -> !process.isAlive());
    } catch (IOException e) {
      throw new BootstrapException(
          "cannot watch " + cmd.socket().getParent() + ": " + e.getMessage(), e);
    }
    if (!ready) {
      // Give a dying daemon a moment to finish writing its last words.
      process.onExit().completeOnTimeout(null, 500, TimeUnit.MILLISECONDS).join();
      throw startFailure(cmd, process);
    }
  }

  private BootstrapException startFailure(TailscaledCommand cmd, TailscaledProcess process) {
    String tail = LogTail.of(settings.tailscaledLog(), 3);
    if (process.isAlive()) {
      process.stop(BootstrapSettings.STOP_GRACE);
      return new BootstrapException(
          "tailscaled did not create "
              + cmd.socket()
              + " within "
              + BootstrapSettings.START_TIMEOUT.toSeconds()
              + " s; see "
              + settings.tailscaledLog());
    }
    if (tail.contains("SOCKS5 listener")) {
      return new BootstrapException(
          "tailscaled could not listen for SOCKS5 on "
              + cmd.socks5Host()
              + ":"
              + cmd.socks5Port()
              + ", which is taken: stop what holds it, or choose another port with --upstream socks5://127.0.0.1:PORT");
    }
    return new BootstrapException(
        "tailscaled exited at start: " + tail + " (full log: " + settings.tailscaledLog() + ")");
  }

  /** Waits for a fresh daemon to leave NoState/Starting. */
  private TailscaleStatus awaitSettled(TailscaledProcess process)
      throws BootstrapException, InterruptedException {
    long deadline = System.nanoTime() + BootstrapSettings.START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw startFailure(settings.command(), process);
      }
      Optional<TailscaleStatus> status = probe();
      if (status.isPresent() && status.get().state().filter(SETTLED::contains).isPresent()) {
        return status.get();
      }
      Thread.sleep(100);
    }
    throw new BootstrapException(
        "tailscaled did not reach a known state within "
            + BootstrapSettings.START_TIMEOUT.toSeconds()
            + " s; see "
            + settings.tailscaledLog());
  }

  /**
   * From a settled state to Running: log in when needed, wait for approval when needed. The IPN bus
   * is watched from before the login, so that the moment tailscaled says Running ends both the
   * login's wait and this one (the way to the first relayed connection passes here).
   */
  private TailscaleStatus settled(TailscaleStatus status, Optional<TailscaledProcess> process)
      throws BootstrapException, InterruptedException {
    IpnState state = status.state().orElse(IpnState.NO_STATE);
    if (state == IpnState.RUNNING) {
      return status;
    }
    CompletableFuture<Void> running = new CompletableFuture<>();
    IpnBusWatch bus = watchForRunning(running);
    Process interactive = null;
    try {
      if (state == IpnState.NEEDS_LOGIN || state == IpnState.STOPPED) {
        if (settings.authKey().isPresent()) {
          new Login(settings, progress).run(settings.authKey().get(), running);
        } else {
          interactive = new Login(settings, progress).interactive();
        }
      } else if (state == IpnState.NEEDS_MACHINE_AUTH) {
        progress.accept(
            "this node waits for an admin to approve it in the tailnet's admin console");
      }
      return awaitRunning(process, running);
    } finally {
      if (bus != null) {
        bus.close();
      }
      if (interactive != null) {
        interactive.destroy();
      }
    }
  }

  /** Completes {@code running} when the IPN bus says Running; null when it cannot be watched. */
  private IpnBusWatch watchForRunning(CompletableFuture<Void> running) {
    try {
      return api.watchIpnBus(
          IpnBusMask.INITIAL_STATE,
          notify -> {
            JsonNode state = notify.get("State");
            if (state != null && state.isInt() && state.asInt() == IpnState.RUNNING.code()) {
              running.complete(null);
            }
          });
    } catch (RuntimeException noBus) {
      return null; // polling alone still gets there
    }
  }

  /**
   * Probes until Running. The IPN bus ({@code running}) says when the state changes, so the probe
   * that sees Running follows it at once, not up to a poll interval later; without the bus it polls
   * every 200 ms.
   */
  private TailscaleStatus awaitRunning(
      Optional<TailscaledProcess> process, CompletableFuture<Void> running)
      throws BootstrapException, InterruptedException {
    long deadline = System.nanoTime() + BootstrapSettings.LOGIN_TIMEOUT.toNanos();
    String last = "";
    while (settings.authKey().isEmpty() || System.nanoTime() < deadline) {
      if (process.isPresent() && !process.get().isAlive()) {
        throw new BootstrapException(
            "tailscaled exited while logging in: " + LogTail.of(settings.tailscaledLog(), 3));
      }
      Optional<TailscaleStatus> status = probe();
      if (status.isPresent()) {
        if (status.get().state().orElse(IpnState.NO_STATE) == IpnState.RUNNING) {
          return status.get();
        }
        last = status.get().backendState();
      }
      if (running.isDone()) {
        Thread.sleep(50); // the bus said Running before the probe could: it will soon
      } else {
        try {
          running.get(200, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          // Time for the next probe.
        }
      }
    }
    throw new BootstrapException(
        "tailscaled is "
            + last
            + " after login, not Running: is the control server reachable and the key valid?");
  }

  /**
   * tailgate logs a daemon in with shields up (decision record 8) but leaves an adopted one's
   * settings alone: it may serve the tailnet on purpose. With shields down, a peer reaches this
   * host's 127.0.0.1 listeners, the relay and tailscaled's own SOCKS5 among them, through the
   * node's tailnet address, so the user is told at once, not only by {@code tailgate doctor}.
   */
  private void warnIfShieldsDown(TailscaledCommand cmd) throws InterruptedException {
    try {
      if (!api.shieldsUp().get(BootstrapSettings.PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        progress.accept(
            "warning: the adopted tailscaled accepts inbound tailnet connections (shields down),"
                + " so a peer can reach this host's 127.0.0.1 listeners, tailgate's among them,"
                + " through its tailnet address; close that with `"
                + cmd.tailscale()
                + " --socket="
                + cmd.socket()
                + " set --shields-up`");
      }
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // Its prefs did not answer: doctor checks them again.
    }
  }

  /** The daemon's status, or empty when its LocalAPI does not answer in time. */
  Optional<TailscaleStatus> probe() throws InterruptedException {
    try {
      return Optional.of(
          api.status().get(BootstrapSettings.PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return Optional.empty();
    }
  }
}
