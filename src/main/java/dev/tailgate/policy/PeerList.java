package dev.tailgate.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The tailnet's peers as tailscaled last listed them: what {@code tag:} and {@code os:} rules match
 * against, and what tells an offline peer or a name no peer has from a target worth dialling. Built
 * by whoever watches tailscaled (the gateway maps its status into it), so that policy stays free of
 * the LocalAPI's types. Immutable; a peer is found by its MagicDNS name (FQDN or the short name
 * before the suffix) or by any of its addresses, in any form {@link NormalizedHost} accepts.
 */
public final class PeerList {
  /**
   * Before tailscaled first listed its peers: tag and OS rules match nothing, nothing is refused.
   */
  public static final PeerList UNKNOWN = new PeerList(null, List.of(), null);

  /** A peer older than this is "in doubt": its absence or offline flag no longer refuses a dial. */
  public static final Duration MAX_AGE = Duration.ofSeconds(15);

  /**
   * One peer.
   *
   * @param name its MagicDNS FQDN, with or without the trailing dot ("" if it has none)
   * @param addresses its tailnet addresses as text
   * @param tags its ACL tags, with the {@code tag:} prefix
   * @param os as tailscaled says it ("linux", "macOS")
   * @param online whether control says it is connected; null when unknown
   * @param lastSeen when control last saw it, or null when unknown
   */
  public record Peer(
      String name,
      List<String> addresses,
      Set<String> tags,
      String os,
      Boolean online,
      Instant lastSeen) {
    public Peer {
      name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
      addresses = List.copyOf(addresses);
      tags = tags.stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
      os = os == null ? "" : os;
    }

    boolean hasTag(String tag) {
      return tags.contains(tag);
    }

    boolean runs(String system) {
      return os.equalsIgnoreCase(system);
    }

    /** "peer web-1.tail1234.ts.net is offline (last seen 2026-12-04T21:00:00Z)". */
    String offlineReason() {
      return "peer "
          + name
          + " is offline (last seen "
          + (lastSeen == null ? "unknown" : lastSeen.toString())
          + ")";
    }
  }

  /**
   * A dial known to fail without dialling, and why.
   *
   * @param kind which of the two instant answers it is, for a bounded metric label
   * @param reason the sentence for the log and the client ("peer X is offline (last seen ...)")
   */
  public record Unreachable(Kind kind, String reason) {
    /** The instant answers there are; their labels are the metric's. */
    public enum Kind {
      /** A peer that control marks offline. */
      PEER_OFFLINE("peer_offline"),
      /** A name under the MagicDNS suffix that no peer has. */
      NO_SUCH_PEER("no_such_peer");

      private final String label;

      Kind(String label) {
        this.label = label;
      }

      /** The metric label: {@code peer_offline} or {@code no_such_peer}. */
      public String label() {
        return label;
      }
    }
  }

  private final String dottedSuffix;
  private final List<Peer> peers;
  private final Map<String, Peer> byKey;
  private final Instant asOf;

  private PeerList(String dottedSuffix, List<Peer> peers, Instant asOf) {
    this.dottedSuffix = dottedSuffix;
    this.asOf = asOf;
    this.peers = peers;
    Map<String, Peer> index = new HashMap<>();
    for (Peer p : peers) {
      key(p.name()).ifPresent(k -> index.putIfAbsent(k, p));
      if (dottedSuffix != null && p.name().toLowerCase(Locale.ROOT).endsWith(dottedSuffix)) {
        String shortName = p.name().substring(0, p.name().length() - dottedSuffix.length());
        key(shortName).ifPresent(k -> index.putIfAbsent(k, p));
      }
      p.addresses().forEach(a -> key(a).ifPresent(k -> index.putIfAbsent(k, p)));
    }
    this.byKey = Map.copyOf(index);
  }

  /**
   * The peers tailscaled listed at {@code asOf}.
   *
   * @param magicDnsSuffix the tailnet's MagicDNS suffix ({@code tail1234.ts.net}), or null/empty
   */
  public static PeerList of(String magicDnsSuffix, List<Peer> peers, Instant asOf) {
    Objects.requireNonNull(asOf, "asOf");
    String suffix = null;
    if (magicDnsSuffix != null && !magicDnsSuffix.isEmpty()) {
      String bare = magicDnsSuffix.startsWith(".") ? magicDnsSuffix.substring(1) : magicDnsSuffix;
      suffix = key(bare).map(k -> "." + k).orElse(null);
    }
    return new PeerList(suffix, List.copyOf(peers), asOf);
  }

  /** Whether tailscaled has listed its peers yet. */
  public boolean known() {
    return asOf != null;
  }

  /** When tailscaled listed these peers, or null for {@link #UNKNOWN}. */
  public Instant asOf() {
    return asOf;
  }

  /** How many peers carry {@code tag} (lowercase, with its {@code tag:} prefix). */
  int withTag(String tag) {
    return (int) peers.stream().filter(p -> p.hasTag(tag)).count();
  }

  /** The peer {@code target} names (by MagicDNS name, short name or address), or null. */
  Peer find(NormalizedHost target) {
    return byKey.get(target.name());
  }

  /** The peer {@code host} names, or null (also for an invalid host). */
  public Peer find(String host) {
    try {
      return find(NormalizedHost.of(host));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Why a dial to {@code host} cannot succeed, known without dialling: a peer control marks
   * offline, or a name under the MagicDNS suffix that no peer has. Null when in doubt (no list yet,
   * a list older than {@link #MAX_AGE} at {@code now}, a peer whose online state is unknown, a host
   * outside the tailnet's names): then the dial goes ahead and tailscaled answers.
   */
  public Unreachable unreachable(String host, Instant now) {
    if (asOf == null || Duration.between(asOf, now).compareTo(MAX_AGE) > 0) {
      return null;
    }
    NormalizedHost target;
    try {
      target = NormalizedHost.of(host);
    } catch (IllegalArgumentException e) {
      return null;
    }
    Peer peer = find(target);
    if (peer != null) {
      return Boolean.FALSE.equals(peer.online())
          ? new Unreachable(Unreachable.Kind.PEER_OFFLINE, peer.offlineReason())
          : null;
    }
    if (!target.isAddress() && dottedSuffix != null && target.name().endsWith(dottedSuffix)) {
      return new Unreachable(
          Unreachable.Kind.NO_SUCH_PEER, target.name() + ": no such peer in the tailnet");
    }
    return null;
  }

  private static Optional<String> key(String host) {
    if (host == null || host.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(NormalizedHost.of(host).name());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return asOf == null
        ? "PeerList(unknown)"
        : "PeerList(" + byKey.size() + " keys at " + asOf + ")";
  }
}
