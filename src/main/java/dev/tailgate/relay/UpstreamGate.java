package dev.tailgate.relay;

import java.util.concurrent.CompletableFuture;

/**
 * What the relay asks of whoever keeps the upstream alive. The bootstrap implements it for
 * tailscaled; with {@code --no-bootstrap} the gate is {@link #OPEN}. Implementations must never
 * block the caller, which is an event loop; the relay moves back onto its loop itself.
 */
public interface UpstreamGate {

  /** The verdict on a failed dial. */
  enum Verdict {
    /** The upstream itself was broken and is being (or has been) recovered: dial again. */
    RETRY,
    /** The upstream is healthy: the failure belongs to the target; tell the client. */
    TARGET
  }

  /**
   * Completes when a new dial may go ahead: at once while the upstream is believed healthy, or when
   * a recovery in progress finishes. Fails when the gate's own bound on waiting (time or waiters)
   * is exceeded; the failure's message says why, for the client's log line. A failure for too many
   * waiters is a {@link TooManyWaiting}, refused like the relay's other limits.
   */
  CompletableFuture<Void> whenReady();

  /**
   * Like {@link #whenReady()}, but completes only once the upstream has also told the allowlist
   * what it knows (tailscaled's MagicDNS suffix, for {@code tailnet} rules), which may come a
   * moment later: a request judged then sees every rule.
   */
  default CompletableFuture<Void> whenSettled() {
    return whenReady();
  }

  /**
   * Why a dial to {@code host}, which the allowlist admitted, cannot succeed, known without
   * dialling (a tailnet peer the control server marks offline, a MagicDNS name no peer has); null
   * to dial. Asked on the event loop for every admitted request, after the allowlist, so a denied
   * target gets the deny whatever its state: it must answer from memory, at once, and answer null
   * when in doubt. The relay refuses with host-unreachable (SOCKS5 0x04, SOCKS4 0x5b, HTTP 502) and
   * this reason in the log.
   */
  default String unreachable(String host) {
    return null;
  }

  /** {@link #whenReady()} refused a client because the most it holds at once already wait. */
  final class TooManyWaiting extends IllegalStateException {
    public TooManyWaiting(int max) {
      super("too many clients (" + max + ") already wait for the upstream to recover");
    }
  }

  /**
   * Judges a failed dial that may be the upstream's fault: an upstream that refused or timed out, a
   * broken handshake, or an ambiguous general failure (tailscaled answers 0x01 for every failure).
   */
  CompletableFuture<Verdict> judge(DialFailure failure);

  /** A gate that is always open and blames every failure on the target: no upstream to manage. */
  UpstreamGate OPEN =
      new UpstreamGate() {
        @Override
        public CompletableFuture<Void> whenReady() {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Verdict> judge(DialFailure failure) {
          return CompletableFuture.completedFuture(Verdict.TARGET);
        }
      };
}
