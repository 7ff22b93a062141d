package dev.tailgate.gateway;

import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.bootstrap.Supervisor.Phase;
import dev.tailgate.localapi.IpnState;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.relay.DialFailure;
import dev.tailgate.relay.UpstreamGate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay's waiting room in front of a supervised tailscaled: holds new connections while the
 * daemon is not Running (within the hold bounds on time and clients), and tells a failed dial that
 * is the daemon's fault (then it is recovered and the dial goes again) from one that is the
 * target's. Reads the {@link Supervisor}'s state; its methods never block.
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

  private final Supervisor daemon;
  private final AtomicInteger waiting = new AtomicInteger();
  private CompletableFuture<Verdict> judging;

  public DaemonGate(Supervisor daemon) {
    this.daemon = daemon;
  }

  /**
   * Open while Running, and during the first bring-up from the moment the IPN bus says Running (the
   * status probe that follows takes a few ms, on the way to the first relayed connection).
   */
  @Override
  public CompletableFuture<Void> whenReady() {
    Phase now = daemon.phase();
    if (now == Phase.RUNNING || (now == Phase.STARTING && daemon.runningSeen().isDone())) {
      return OPEN;
    }
    return hold(now == Phase.STARTING ? daemon.runningSeen() : daemon.running());
  }

  /** Open once Running and its status, with the MagicDNS suffix, are known. */
  @Override
  public CompletableFuture<Void> whenSettled() {
    return daemon.phase() == Phase.RUNNING ? OPEN : hold(daemon.running());
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
        .execute(
            () ->
                held.completeExceptionally(
                    new IllegalStateException(
                        daemon.phase() == Phase.STARTING
                            ? "tailscaled was not Running within "
                                + hold.toSeconds()
                                + " s of this connection (tailgate is still bringing it up)"
                            : "tailscaled did not recover within "
                                + hold.toSeconds()
                                + " s (last failure: "
                                + daemon.lastFailure()
                                + ")")));
    held.whenComplete((ok, error) -> waiting.decrementAndGet());
    return held;
  }

  @Override
  public synchronized CompletableFuture<Verdict> judge(DialFailure failure) {
    Phase now = daemon.phase();
    if (now == Phase.STARTING) {
      // The gate opened on the IPN bus's Running, before the status confirmed it: a dial that
      // failed in that moment goes again once the status is in (the relay bounds the attempts).
      return hold(daemon.running()).handle((ok, error) -> Verdict.RETRY);
    }
    if (now != Phase.RUNNING) {
      return CompletableFuture.completedFuture(Verdict.RETRY);
    }
    if (judging == null || judging.isDone()) {
      judging = daemon.probe().thenApply(status -> verdict(failure, status));
    }
    return judging;
  }

  /** Whether the daemon is fine by its status; starts a recovery when it is not. */
  private Verdict verdict(DialFailure failure, Optional<TailscaleStatus> status) {
    if (daemon.phase() != Phase.RUNNING) {
      return Verdict.RETRY;
    }
    boolean daemonRunning = status.flatMap(TailscaleStatus::state).orElse(null) == IpnState.RUNNING;
    if (daemonRunning && !failure.upstreamFault()) {
      boolean warmingUp = Duration.between(daemon.since(), Instant.now()).compareTo(WARM_UP) < 0;
      return warmingUp ? Verdict.RETRY : Verdict.TARGET;
    }
    daemon.recover(
        status.isEmpty()
            ? "LocalAPI did not answer after a failed dial (" + failure.reason() + ")"
            : daemonRunning ? failure.reason() : "tailscaled is " + status.get().backendState());
    return Verdict.RETRY;
  }
}
