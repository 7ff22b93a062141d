package dev.tailgate.bootstrap;

import dev.tailgate.localapi.IpnState;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.localapi.TailscaleStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns tailscaled's life while tailgate runs: brings it up, watches it (process exit, the IPN bus,
 * a LocalAPI probe), and re-bootstraps it with the same state when it dies or wedges: the restart
 * state machine. What the relay makes of that state (hold, judge, warm-up) is the gateway's
 * DaemonGate, which reads it through {@link #phase()}, {@link #running()}, {@link #probe()} and
 * {@link #recover(String)}.
 *
 * <p>Every state change runs on one thread of its own; the accessors never block.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

  /** Where the daemon stands, as tailgate sees it. */
  public enum Phase {
    STARTING,
    RUNNING,
    RECOVERING,
    UNHEALTHY,
    STOPPED
  }

  private final BootstrapSettings settings;
  private final LocalApiClient api;
  private final Bringup bringup;
  private final Monitor monitor;
  private final ScheduledExecutorService exec =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tailgate-supervisor");
            t.setDaemon(true);
            return t;
          });
  private volatile int maxWaiting;

  private volatile Phase phase = Phase.STARTING;
  private volatile CompletableFuture<Void> ready = new CompletableFuture<>();
  private final ControlLink control = new ControlLink();
  private volatile Optional<TailscaledProcess> process = Optional.empty();
  private volatile TailscaleStatus lastStatus;
  private volatile Instant lastStatusAt;
  private volatile String lastFailure;
  private volatile Instant since = Instant.now();
  private volatile int restarts;
  private volatile int failuresInRow;
  private volatile boolean closed;
  private volatile Thread firstBringup;
  private final PhaseHistory history = new PhaseHistory();

  /** The latest changes of phase, newest first. */
  public List<PhaseHistory.Transition> history() {
    return history.latest();
  }

  public Supervisor(BootstrapSettings settings, LocalApiClient api, Consumer<String> progress) {
    this.settings = settings;
    this.maxWaiting = settings.maxWaiting();
    this.api = api;
    this.bringup = new Bringup(settings, api, progress);
    this.monitor = new Monitor(api, exec, this::recover, this::fresh);
  }

  /** The first bring-up, on the caller's thread: returns once Running, or says why not. */
  public void start() throws BootstrapException, InterruptedException {
    start(EarlyStart.NONE);
  }

  /**
   * The first bring-up, going on from a daemon {@link EarlyStart} started (then there was none to
   * adopt), or deciding between adopting and starting when it started none.
   */
  public void start(EarlyStart early) throws BootstrapException, InterruptedException {
    Optional<TailscaledProcess> started = early.process();
    Bringup.Result result =
        started.isPresent() ? bringup.started(started.get()) : bringup.run(Optional.empty(), false);
    running(result);
  }

  /**
   * {@link #start(EarlyStart)} on a thread of its own, so that the caller can set up the rest of
   * tailgate while tailscaled boots. Until the future completes the phase is STARTING, and the gate
   * holds new connections as during a recovery. The future fails with the {@link
   * BootstrapException} (or interruption) that {@code start} would have thrown; {@link #close()}
   * interrupts a bring-up still under way.
   */
  public CompletableFuture<Void> begin(EarlyStart early) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                start(early);
                done.complete(null);
              } catch (BootstrapException | InterruptedException | RuntimeException e) {
                done.completeExceptionally(e);
              }
            },
            "tailgate-bringup");
    thread.setDaemon(true);
    firstBringup = thread;
    thread.start();
    return done;
  }

  private void running(Bringup.Result result) {
    process = result.process();
    fresh(result.status());
    failuresInRow = 0;
    phase = Phase.RUNNING;
    since = Instant.now();
    history.add(
        Phase.RUNNING,
        (result.adopted() ? "adopted" : "started")
            + " tailscaled"
            + process.map(p -> " (pid " + p.pid() + ")").orElse(""));
    ready.complete(null);
    monitor.watch(process);
  }

  /** How many clients may be held at once from now on (a reload may change it). */
  public void maxWaiting(int max) {
    this.maxWaiting = max;
  }

  /** How many clients may be held at once (the gate's bound, which a reload may change). */
  public int maxWaiting() {
    return maxWaiting;
  }

  /** How long a client may be held while tailscaled is not Running. */
  public Duration holdTimeout() {
    return settings.holdTimeout();
  }

  public Phase phase() {
    return phase;
  }

  /**
   * Completes when tailscaled is next Running (at once while it is): the first bring-up's end, or
   * the end of the recovery under way.
   */
  public CompletableFuture<Void> running() {
    return ready;
  }

  /** Whether tailscaled has its control server's netmap, which Running alone does not say. */
  public ControlLink control() {
    return control;
  }

  /** A status of the Running daemon: the last one seen. */
  private void fresh(TailscaleStatus status) {
    lastStatus = status;
    lastStatusAt = Instant.now(); // after: a reader pairing them errs towards stale, so dials
    control.observe(status);
    if (!status.inControlsMapPoll()) {
      monitor.hurry();
    }
  }

  /**
   * Asks the LocalAPI for the daemon's status on the supervisor's thread; empty when it does not
   * answer in time.
   */
  public CompletableFuture<Optional<TailscaleStatus>> probe() {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            Optional<TailscaleStatus> status = bringup.probe();
            status
                .filter(t -> phase == Phase.RUNNING && t.state().orElse(null) == IpnState.RUNNING)
                .ifPresent(this::fresh);
            return status;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
          }
        },
        exec);
  }

  /** Starts a re-bootstrap unless one is under way. Safe from any thread. */
  public void recover(String reason) {
    synchronized (this) {
      if (closed || phase != Phase.RUNNING) {
        return;
      }
      phase = Phase.RECOVERING;
      since = Instant.now();
      ready = new CompletableFuture<>();
      control.restarted();
      lastFailure = reason;
      restarts++;
    }
    history.add(Phase.RECOVERING, reason);
    log.warn("tailscaled needs a re-bootstrap: {}", reason);
    monitor.stop();
    exec.execute(this::recoveryLoop);
  }

  private void recoveryLoop() {
    if (closed) {
      return;
    }
    try {
      Bringup.Result result = bringup.run(process, true);
      running(result);
      log.info(
          "tailscaled is Running again (pid {}) after {} restart(s)",
          process.map(TailscaledProcess::pid).orElse(-1L),
          restarts);
    } catch (BootstrapException | RuntimeException e) {
      failuresInRow++;
      lastFailure = e.getMessage();
      if (settings.backoff().unhealthy(failuresInRow) && phase != Phase.UNHEALTHY) {
        phase = Phase.UNHEALTHY;
        history.add(
            Phase.UNHEALTHY, failuresInRow + " failed re-bootstraps in a row: " + e.getMessage());
      }
      Duration delay = settings.backoff().delay(failuresInRow);
      log.warn(
          "re-bootstrap failed ({} in a row): {}; next try in {} ms",
          failuresInRow,
          e.getMessage(),
          delay.toMillis());
      exec.schedule(this::recoveryLoop, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** tailscaled's status as last seen (at most a probe interval old), or empty before the first. */
  public Optional<TailscaleStatus> lastStatus() {
    return Optional.ofNullable(lastStatus);
  }

  /** When {@link #lastStatus()} was asked for, or empty before the first. */
  public Optional<Instant> lastStatusAt() {
    return Optional.ofNullable(lastStatusAt);
  }

  /** The MagicDNS suffix as tailscaled last reported it, or null. */
  public String magicDnsSuffix() {
    TailscaleStatus s = lastStatus;
    return s == null || s.magicDnsSuffix().isEmpty() ? null : s.magicDnsSuffix();
  }

  /** What `tailgate status` shows. */
  public record Snapshot(
      Phase phase,
      long pid,
      int restarts,
      String lastFailure,
      Instant since,
      String backendState,
      String magicDnsSuffix) {}

  public Snapshot snapshot() {
    TailscaleStatus s = lastStatus;
    return new Snapshot(
        phase,
        process.map(TailscaledProcess::pid).orElse(-1L),
        restarts,
        lastFailure,
        since,
        phase == Phase.RUNNING && s != null ? s.backendState() : phase.name(),
        magicDnsSuffix());
  }

  /** Stops watching; tailscaled keeps running for the next tailgate to adopt. */
  @Override
  public void close() {
    closed = true;
    Thread bringingUp = firstBringup;
    if (bringingUp != null) {
      bringingUp.interrupt();
    }
    monitor.stop();
    exec.shutdownNow();
  }
}
