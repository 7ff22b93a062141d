package dev.tailgate.gateway;

import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.bootstrap.Supervisor.Phase;
import dev.tailgate.localapi.IpnState;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.PeerList;
import dev.tailgate.relay.DialFailure;
import dev.tailgate.relay.UpstreamGate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The relay's waiting room in front of a supervised tailscaled: holds new connections until the
 * daemon can carry them (within the hold bounds on time and clients), and tells a failed dial that
 * is the daemon's fault (then it is recovered, or waited for, and the dial goes again) from one
 * that is the target's. Reads the {@link Supervisor}'s state; its methods never block.
 *
 * <p>"Can carry them" is more than Running: a restarted tailscaled says Running at once on the
 * netmap of its disk cache and resolves no MagicDNS name until its control server's netmap comes
 * (decision record 0011), so the gate waits for that too ({@link
 * dev.tailgate.bootstrap.ControlLink}).
 */
public final class DaemonGate implements UpstreamGate {
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

  /**
   * After a (re)start, new connections wait at most this long for control's netmap; then the gate
   * opens on what the daemon has (its cached netmap, while control stays away), and a dial that
   * fails meanwhile is held until control's netmap comes, within the hold bound.
   */
  static final Duration CONNECT_WAIT = Duration.ofSeconds(10);

  /**
   * For this long after control's netmap came, a general failure is dialled again after {@link
   * #PAUSE}: tailscaled marks itself in control's map poll just before it hands the netmap to its
   * dialer (controlclient's observer queue), so the first dials may still miss it.
   */
  static final Duration SETTLE = Duration.ofSeconds(2);

  static final Duration PAUSE = Duration.ofMillis(200);

  private final Supervisor daemon;
  private final Supplier<PeerList> peers;
  private final Consumer<PeerList.Unreachable.Kind> answered;
  private final AtomicInteger waiting = new AtomicInteger();
  private CompletableFuture<Verdict> judging;

  public DaemonGate(Supervisor daemon) {
    this(daemon, kind -> {});
  }

  /**
   * @param answered told of each instant answer given, by kind (the metrics count them)
   */
  public DaemonGate(Supervisor daemon, Consumer<PeerList.Unreachable.Kind> answered) {
    this(daemon, new PeerFeed(daemon), answered);
  }

  /**
   * @param peers the daemon's live peer list, for {@link #unreachable}
   */
  DaemonGate(
      Supervisor daemon, Supplier<PeerList> peers, Consumer<PeerList.Unreachable.Kind> answered) {
    this.daemon = daemon;
    this.peers = peers;
    this.answered = answered;
  }

  /**
   * An offline peer, or a MagicDNS name no peer has, as the peer list says while it is fresh (see
   * {@link PeerList#unreachable}); null while the daemon is not Running with control's netmap (a
   * cached netmap may be old: the dial is held and judged as usual) and within {@link #WARM_UP} of
   * its (re)start, while a general failure is dialled again anyway: peers still come online then,
   * and a dial that may succeed is not refused on a list that is still settling.
   */
  @Override
  public String unreachable(String host) {
    if (daemon.phase() != Phase.RUNNING
        || !daemon.control().connected().isDone()
        || since(daemon.snapshot().since()).compareTo(WARM_UP) < 0) {
      return null;
    }
    PeerList.Unreachable answer = peers.get().unreachable(host, Instant.now());
    if (answer == null) {
      return null;
    }
    answered.accept(answer.kind());
    return answer.reason();
  }

  /** Open while the daemon can carry a connection; else held until it can. */
  @Override
  public CompletableFuture<Void> whenReady() {
    if (daemon.phase() == Phase.RUNNING && !waitsForControl()) {
      return OPEN;
    }
    return hold(usable());
  }

  /** Open once Running and its status, with the MagicDNS suffix, are known. */
  @Override
  public CompletableFuture<Void> whenSettled() {
    return daemon.phase() == Phase.RUNNING ? OPEN : hold(daemon.running());
  }

  /** Running without control's netmap, within {@link #CONNECT_WAIT} of coming up. */
  private boolean waitsForControl() {
    return !daemon.control().connected().isDone()
        && since(daemon.snapshot().since()).compareTo(CONNECT_WAIT) < 0;
  }

  /**
   * Completes when the daemon can carry a connection: Running with control's netmap, or {@link
   * #CONNECT_WAIT} after it came up without it.
   */
  private CompletableFuture<Void> usable() {
    return daemon
        .running()
        .thenCompose(
            running -> {
              if (!waitsForControl()) {
                return OPEN;
              }
              Duration left = CONNECT_WAIT.minus(since(daemon.snapshot().since()));
              CompletableFuture<Void> bound =
                  new CompletableFuture<Void>()
                      .completeOnTimeout(null, left.toMillis(), TimeUnit.MILLISECONDS);
              return CompletableFuture.anyOf(daemon.control().connected(), bound)
                  .thenApply(any -> null);
            });
  }

  /** A client held until {@code until} completes, within the bounds on waiting. */
  private CompletableFuture<Void> hold(CompletableFuture<Void> until) {
    int max = daemon.maxWaiting();
    if (waiting.incrementAndGet() > max) {
      waiting.decrementAndGet();
      return CompletableFuture.failedFuture(new TooManyWaiting(max));
    }
    CompletableFuture<Void> held = new CompletableFuture<>();
    until.whenComplete((ok, error) -> held.complete(null));
    Duration hold = daemon.holdTimeout();
    // Not on the supervisor's thread: a re-bootstrap blocks it for as long as a start or login may
    // take (30 s, 75 s), and a held client's own bound must end on time meanwhile.
    CompletableFuture.delayedExecutor(hold.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> held.completeExceptionally(new IllegalStateException(notReady(hold))));
    held.whenComplete((ok, error) -> waiting.decrementAndGet());
    return held;
  }

  private String notReady(Duration hold) {
    return switch (daemon.phase()) {
      case STARTING ->
          "tailscaled was not Running within "
              + hold.toSeconds()
              + " s of this connection (tailgate is still bringing it up)";
      case RUNNING ->
          "tailscaled did not get its control server's netmap within "
              + hold.toSeconds()
              + " s of this connection";
      default ->
          "tailscaled did not recover within "
              + hold.toSeconds()
              + " s (last failure: "
              + daemon.snapshot().lastFailure()
              + ")";
    };
  }

  @Override
  public synchronized CompletableFuture<Verdict> judge(DialFailure failure) {
    Phase now = daemon.phase();
    if (now == Phase.STARTING) {
      return hold(usable()).handle((ok, error) -> Verdict.RETRY);
    }
    if (now != Phase.RUNNING) {
      return CompletableFuture.completedFuture(Verdict.RETRY);
    }
    if (judging == null || judging.isDone()) {
      judging = daemon.probe().thenCompose(status -> verdict(failure, status));
    }
    return judging;
  }

  /**
   * The daemon's fault when its status says it is not Running (then it is recovered), or not ready
   * (Running without control's netmap: the dial goes again once it has it); else the target's,
   * except right after a (re)start.
   */
  private CompletableFuture<Verdict> verdict(
      DialFailure failure, Optional<TailscaleStatus> status) {
    if (daemon.phase() != Phase.RUNNING) {
      return CompletableFuture.completedFuture(Verdict.RETRY);
    }
    boolean daemonRunning = status.flatMap(TailscaleStatus::state).orElse(null) == IpnState.RUNNING;
    if (daemonRunning && !failure.upstreamFault()) {
      if (!status.get().inControlsMapPoll()) {
        return hold(daemon.control().connected())
            .handle((ok, error) -> error == null ? Verdict.RETRY : Verdict.TARGET);
      }
      if (daemon.control().since().map(t -> since(t).compareTo(SETTLE) < 0).orElse(false)) {
        return CompletableFuture.supplyAsync(
            () -> Verdict.RETRY,
            CompletableFuture.delayedExecutor(PAUSE.toMillis(), TimeUnit.MILLISECONDS));
      }
      boolean warmingUp = since(daemon.snapshot().since()).compareTo(WARM_UP) < 0;
      return CompletableFuture.completedFuture(warmingUp ? Verdict.RETRY : Verdict.TARGET);
    }
    daemon.recover(
        status.isEmpty()
            ? "LocalAPI did not answer after a failed dial (" + failure.reason() + ")"
            : daemonRunning ? failure.reason() : "tailscaled is " + status.get().backendState());
    return CompletableFuture.completedFuture(Verdict.RETRY);
  }

  private static Duration since(Instant then) {
    return Duration.between(then, Instant.now());
  }
}
