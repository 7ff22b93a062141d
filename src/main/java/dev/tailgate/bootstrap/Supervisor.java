package dev.tailgate.bootstrap;

import dev.tailgate.localapi.IpnState;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.relay.DialFailure;
import dev.tailgate.relay.UpstreamGate;
import dev.tailgate.relay.UpstreamGate.TooManyWaiting;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns tailscaled's life while tailgate runs: brings it up, watches it (process exit, the IPN bus,
 * a LocalAPI probe), and re-bootstraps it with the same state when it dies or wedges. As the
 * relay's {@link UpstreamGate} it holds new connections during a recovery and tells an upstream
 * that is broken from a target that is down.
 *
 * <p>Every state change runs on one thread of its own; the gate's methods never block.
 */
public final class Supervisor implements UpstreamGate, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
  private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);

  /**
   * For this long after tailscaled comes (back) up, a general failure (0x01) is dialled again
   * rather than blamed on the target. The real daemon can say Running while its first dial to a
   * peer still runs past its fixed 5 s SOCKS5 dial timeout: when the first WireGuard handshake
   * initiation is lost while paths are being set up, wireguard-go sends the next one only after its
   * 5 s REKEY_TIMEOUT. The e2e test on a real tailnet showed it (docs/e2e.md). The relay's bound on
   * attempts per request still holds.
   */
  static final Duration WARM_UP = Duration.ofSeconds(30);

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
  private final AtomicInteger waiting = new AtomicInteger();
  private volatile int maxWaiting;

  private volatile Phase phase = Phase.STARTING;
  private volatile CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> firstRunningSeen = new CompletableFuture<>();
  private volatile Optional<TailscaledProcess> process = Optional.empty();
  private volatile TailscaleStatus lastStatus;
  private volatile String lastFailure;
  private volatile Instant since = Instant.now();
  private volatile int restarts;
  private volatile int failuresInRow;
  private volatile boolean closed;
  private volatile Thread firstBringup;
  private CompletableFuture<Verdict> judging;
  private final java.util.Deque<Transition> history = new java.util.ArrayDeque<>();

  /** A change of phase, for the status page's history. */
  public record Transition(Instant at, Phase phase, String note) {}

  private static final int HISTORY = 20;

  private void remember(Phase phase, String note) {
    synchronized (history) {
      if (history.size() == HISTORY) {
        history.removeLast();
      }
      history.addFirst(new Transition(Instant.now(), phase, note));
    }
  }

  /** The latest changes of phase, newest first. */
  public List<Transition> history() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  public Supervisor(BootstrapSettings settings, LocalApiClient api, Consumer<String> progress) {
    this.settings = settings;
    this.maxWaiting = settings.maxWaiting();
    this.api = api;
    this.bringup = new Bringup(settings, api, progress, this::runningSeen);
    this.monitor = new Monitor(api, exec, this::recover, s -> lastStatus = s);
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
    lastStatus = result.status();
    failuresInRow = 0;
    phase = Phase.RUNNING;
    since = Instant.now();
    remember(
        Phase.RUNNING,
        (result.adopted() ? "adopted" : "started")
            + " tailscaled"
            + process.map(p -> " (pid " + p.pid() + ")").orElse(""));
    CompletableFuture<Void> held = ready;
    firstRunningSeen.complete(null);
    held.complete(null);
    monitor.watch(process);
  }

  /** How many clients may be held at once from now on (a reload may change it). */
  public void maxWaiting(int max) {
    this.maxWaiting = max;
  }

  /**
   * Open while Running, and during the first bring-up from the moment the IPN bus says Running (the
   * status probe that follows takes a few ms, on the way to the first relayed connection).
   */
  @Override
  public CompletableFuture<Void> whenReady() {
    Phase now = phase;
    if (now == Phase.RUNNING || (now == Phase.STARTING && firstRunningSeen.isDone())) {
      return OPEN;
    }
    return hold(now == Phase.STARTING ? firstRunningSeen : ready);
  }

  /** Open once Running and its status, with the MagicDNS suffix, are known. */
  @Override
  public CompletableFuture<Void> whenSettled() {
    return phase == Phase.RUNNING ? OPEN : hold(ready);
  }

  /** The first bring-up's IPN bus said Running. */
  private void runningSeen() {
    if (phase == Phase.STARTING) {
      firstRunningSeen.complete(null);
    }
  }

  /** A client held until {@code until} completes, within the bounds on waiting. */
  private CompletableFuture<Void> hold(CompletableFuture<Void> until) {
    int max = maxWaiting;
    if (waiting.incrementAndGet() > max) {
      waiting.decrementAndGet();
      return CompletableFuture.failedFuture(new TooManyWaiting(max));
    }
    CompletableFuture<Void> held = new CompletableFuture<>();
    until.whenComplete((ok, error) -> held.complete(null));
    Duration hold = settings.holdTimeout();
    // Not on exec: a re-bootstrap blocks that thread for as long as a start or login may take
    // (30 s, 75 s), and a held client's own bound must end on time meanwhile.
    CompletableFuture.delayedExecutor(hold.toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () ->
                held.completeExceptionally(
                    new IllegalStateException(
                        phase == Phase.STARTING
                            ? "tailscaled was not Running within "
                                + hold.toSeconds()
                                + " s of this connection (tailgate is still bringing it up)"
                            : "tailscaled did not recover within "
                                + hold.toSeconds()
                                + " s (last failure: "
                                + lastFailure
                                + ")")));
    held.whenComplete((ok, error) -> waiting.decrementAndGet());
    return held;
  }

  @Override
  public synchronized CompletableFuture<Verdict> judge(DialFailure failure) {
    if (phase == Phase.STARTING) {
      // The gate opened on the IPN bus's Running, before the status confirmed it: a dial that
      // failed in that moment goes again once the status is in (the relay bounds the attempts).
      return hold(ready).handle((ok, error) -> Verdict.RETRY);
    }
    if (phase != Phase.RUNNING) {
      return CompletableFuture.completedFuture(Verdict.RETRY);
    }
    if (judging == null || judging.isDone()) {
      judging = CompletableFuture.supplyAsync(() -> verdict(failure), exec);
    }
    return judging;
  }

  /** Asks the LocalAPI whether the daemon is fine, and starts a recovery when it is not. */
  private Verdict verdict(DialFailure failure) {
    if (phase != Phase.RUNNING) {
      return Verdict.RETRY;
    }
    Optional<TailscaleStatus> status;
    try {
      status = bringup.probe();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Verdict.TARGET;
    }
    boolean daemonRunning = status.flatMap(TailscaleStatus::state).orElse(null) == IpnState.RUNNING;
    if (daemonRunning && !failure.upstreamFault()) {
      boolean warmingUp = Duration.between(since, Instant.now()).compareTo(WARM_UP) < 0;
      return warmingUp ? Verdict.RETRY : Verdict.TARGET;
    }
    recover(
        status.isEmpty()
            ? "LocalAPI did not answer after a failed dial (" + failure.reason() + ")"
            : daemonRunning ? failure.reason() : "tailscaled is " + status.get().backendState());
    return Verdict.RETRY;
  }

  /** Starts a re-bootstrap unless one is under way. Safe from any thread. */
  void recover(String reason) {
    synchronized (this) {
      if (closed || phase != Phase.RUNNING) {
        return;
      }
      phase = Phase.RECOVERING;
      since = Instant.now();
      ready = new CompletableFuture<>();
      lastFailure = reason;
      restarts++;
    }
    remember(Phase.RECOVERING, reason);
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
        remember(
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
