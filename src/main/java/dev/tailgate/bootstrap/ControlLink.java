package dev.tailgate.bootstrap;

import dev.tailgate.localapi.TailscaleStatus;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Whether tailscaled has its control server's netmap, from the statuses the supervisor sees.
 * Running alone does not say it: a restarted daemon says Running at once on the netmap of its disk
 * cache, which may hold no peers, and its SOCKS5 dialer resolves MagicDNS names from that netmap
 * alone, so a dial by name fails (0x01) until control's map poll delivers (issue 14, decision
 * record 0011). The status's {@code Self.Online} says it: tailscaled sets it from the first
 * response of control's streamed map poll and clears it when the poll ends.
 */
public final class ControlLink {
  private CompletableFuture<Void> connected = new CompletableFuture<>();
  private Instant since;

  /** Completes once the daemon is in control's map poll: at once while it is. */
  public synchronized CompletableFuture<Void> connected() {
    return connected;
  }

  /**
   * When this daemon first got control's netmap, or empty before: a later drop and return of the
   * map poll (controlclient restarts it, e.g. when its endpoints change) does not move it.
   */
  public synchronized Optional<Instant> since() {
    return Optional.ofNullable(since);
  }

  synchronized void observe(TailscaleStatus status) {
    if (!status.inControlsMapPoll()) {
      lost();
    } else if (!connected.isDone()) {
      since = since == null ? Instant.now() : since;
      connected.complete(null);
    }
  }

  /** Not (or no longer) in the map poll; whoever waits on the current future goes on waiting. */
  synchronized void lost() {
    if (connected.isDone()) {
      connected = new CompletableFuture<>();
    }
  }

  /** A new daemon: not in the map poll, and not yet ever. */
  synchronized void restarted() {
    lost();
    since = null;
  }
}
