package dev.tailgate.gateway;

import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.localapi.PeerStatus;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.PeerList;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The live peer list for the allowlist's {@code tag:} and {@code os:} rules and the relay's instant
 * answers: tailscaled's last status (the supervisor's, probed every few seconds and at once when
 * the IPN bus brings a new netmap) mapped into policy's {@link PeerList}, which knows nothing of
 * the LocalAPI. Mapped once per status, on the first connection that asks, and kept until the next.
 */
final class PeerFeed implements Supplier<PeerList> {
  /** Go's zero {@code time.Time}: a node never seen. */
  private static final Instant GO_ZERO = Instant.parse("0001-01-01T00:00:00Z");

  private final Supervisor supervisor;

  private record Mapped(TailscaleStatus status, PeerList peers) {}

  private volatile Mapped last;

  /**
   * @param supervisor tailscaled's, or {@code null} with {@code --no-bootstrap}: then the list is
   *     never known
   */
  PeerFeed(Supervisor supervisor) {
    this.supervisor = supervisor;
  }

  @Override
  public PeerList get() {
    if (supervisor == null) {
      return PeerList.UNKNOWN;
    }
    Optional<TailscaleStatus> status = supervisor.lastStatus();
    Optional<Instant> at = supervisor.lastStatusAt();
    if (status.isEmpty() || at.isEmpty()) {
      return PeerList.UNKNOWN;
    }
    Mapped m = last;
    if (m == null || m.status() != status.get() || !at.get().equals(m.peers().asOf())) {
      m = new Mapped(status.get(), of(status.get(), at.get()));
      last = m;
    }
    return m.peers();
  }

  /** The status's peers, and this node itself (so that its own name is no "no such peer"). */
  static PeerList of(TailscaleStatus status, Instant asOf) {
    List<PeerList.Peer> peers = new ArrayList<>(status.peers().size() + 1);
    status.self().ifPresent(self -> peers.add(peer(self, true)));
    status.peers().forEach(p -> peers.add(peer(p, p.online())));
    return PeerList.of(status.magicDnsSuffix(), peers, asOf);
  }

  private static PeerList.Peer peer(PeerStatus p, boolean online) {
    return new PeerList.Peer(
        p.dnsName(), p.tailscaleIps(), new HashSet<>(p.tags()), p.os(), online, lastSeen(p));
  }

  private static Instant lastSeen(PeerStatus p) {
    try {
      Instant seen = p.lastSeen().isEmpty() ? null : Instant.parse(p.lastSeen());
      return GO_ZERO.equals(seen) ? null : seen;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
