package dev.tailgate.gateway;

import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.localapi.PeerStatus;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.PeerList;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The live peer list for the allowlist's {@code tag:} and {@code os:} rules and the relay's instant
 * answers: tailscaled's last status (the supervisor's, probed every 5 s: on Linux the IPN bus
 * carries no netmap, decision record 0011) mapped into policy's {@link PeerList}, which knows
 * nothing of the LocalAPI. Mapped once per status, on the first connection that asks, and kept
 * until the next.
 */
public final class PeerFeed implements Supplier<PeerList> {
  /** Go's zero {@code time.Time}: a node never seen. */
  private static final Instant GO_ZERO = Instant.parse("0001-01-01T00:00:00Z");

  /** tailscaled's last status and when it was read, both empty before the first. */
  private final Supplier<Optional<TailscaleStatus>> status;

  private final Supplier<Optional<Instant>> statusAt;

  private record Mapped(TailscaleStatus status, PeerList peers) {}

  private volatile Mapped last;

  /**
   * When each peer (by MagicDNS name) was last listed online by this gateway: the "last seen" of an
   * offline peer whose control server sends none (headscale's status carries none).
   */
  private final Map<String, Instant> seenOnline = new HashMap<>();

  /**
   * @param supervisor tailscaled's, or {@code null} with {@code --no-bootstrap}: then the list is
   *     never known
   */
  PeerFeed(Supervisor supervisor) {
    this(
        supervisor == null ? Optional::empty : supervisor::lastStatus,
        supervisor == null ? Optional::empty : supervisor::lastStatusAt);
  }

  PeerFeed(Supplier<Optional<TailscaleStatus>> status, Supplier<Optional<Instant>> statusAt) {
    this.status = status;
    this.statusAt = statusAt;
  }

  @Override
  public PeerList get() {
    Optional<TailscaleStatus> status = this.status.get();
    Optional<Instant> at = statusAt.get();
    if (status.isEmpty() || at.isEmpty()) {
      return PeerList.UNKNOWN;
    }
    Mapped m = last;
    if (!status.get().inControlsMapPoll()) {
      // A restarted daemon runs on its disk cache's netmap (maybe no peers) until control's comes
      // (decision record 0011), and keeps its last one while control is away: the list stays the
      // last one control gave, growing older, so that instant answers stop and tag rules go on.
      return m == null ? PeerList.UNKNOWN : m.peers();
    }
    if (m == null || m.status() != status.get() || !at.get().equals(m.peers().asOf())) {
      m = map(status.get(), at.get());
    }
    return m.peers();
  }

  private synchronized Mapped map(TailscaleStatus status, Instant at) {
    Mapped m = last;
    if (m == null || m.status() != status || !at.equals(m.peers().asOf())) {
      m = new Mapped(status, of(status, at, seenOnline));
      last = m;
    }
    return m;
  }

  /**
   * The status's peers, and this node itself (so that its own name is no "no such peer"): also what
   * {@code tailgate rules suggest --by-tag} reads the tags from.
   */
  public static PeerList of(TailscaleStatus status, Instant asOf) {
    return of(status, asOf, new HashMap<>());
  }

  /**
   * @param seenOnline when each peer was last listed online, updated with this status's online
   *     peers and cut to its peers
   */
  static PeerList of(TailscaleStatus status, Instant asOf, Map<String, Instant> seenOnline) {
    List<PeerList.Peer> peers = new ArrayList<>(status.peers().size() + 1);
    status.self().ifPresent(self -> peers.add(peer(self, true, null)));
    for (PeerStatus p : status.peers()) {
      if (p.online()) {
        seenOnline.put(p.dnsName(), asOf);
      }
      peers.add(peer(p, p.online(), seenOnline.get(p.dnsName())));
    }
    seenOnline.keySet().retainAll(status.peers().stream().map(PeerStatus::dnsName).toList());
    return PeerList.of(status.magicDnsSuffix(), peers, asOf);
  }

  private static PeerList.Peer peer(PeerStatus p, boolean online, Instant seenHere) {
    Instant seen = lastSeen(p);
    return new PeerList.Peer(
        p.dnsName(),
        p.tailscaleIps(),
        new HashSet<>(p.tags()),
        p.os(),
        online,
        seen != null || online ? seen : seenHere);
  }

  /** Control's {@code LastSeen}, or null when it sent none (absent, Go's zero time, unreadable). */
  private static Instant lastSeen(PeerStatus p) {
    try {
      Instant seen = p.lastSeen().isEmpty() ? null : Instant.parse(p.lastSeen());
      return GO_ZERO.equals(seen) ? null : seen;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
