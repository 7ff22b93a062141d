package dev.tailgate.policy;

/** The HOST part of a rule, compiled: what it matches, and whether it names special targets. */
interface HostPattern {

  /**
   * True when the pattern matches {@code target}.
   *
   * @param magicDnsSuffix the MagicDNS suffix with a leading dot ({@code .tail1234.ts.net}), or
   *     null when unknown
   * @param peer the tailnet peer the target names, or null when none does or the list is unknown;
   *     looked up only when a rule {@link #needsPeer}
   */
  boolean matches(NormalizedHost target, String magicDnsSuffix, PeerList.Peer peer);

  /**
   * True when every target the pattern matches is one it names itself, so it may allow a special
   * target (loopback, link-local, unspecified, localhost) that a broad rule may not.
   */
  boolean namesSpecial();

  /** The normalized name or canonical address this pattern matches exactly, else null. */
  default String exactKey() {
    return null;
  }

  /** True when matching needs the MagicDNS suffix. */
  default boolean needsMagicDnsSuffix() {
    return false;
  }

  /** True when matching needs the peer the target names ({@code tag:}, {@code os:}). */
  default boolean needsPeer() {
    return false;
  }

  /** {@code *}: any valid host; never names a special target. */
  record Any() implements HostPattern {
    @Override
    public boolean matches(NormalizedHost target, String magicDnsSuffix, PeerList.Peer peer) {
      return true;
    }

    @Override
    public boolean namesSpecial() {
      return false;
    }
  }

  /** An exact name ({@code db1.example.ts.net}) or address ({@code 127.0.0.1}, {@code ::1}). */
  record Exact(String key) implements HostPattern {
    @Override
    public boolean matches(NormalizedHost target, String magicDnsSuffix, PeerList.Peer peer) {
      return target.name().equals(key);
    }

    @Override
    public boolean namesSpecial() {
      return true;
    }

    @Override
    public String exactKey() {
      return key;
    }
  }

  /** {@code *.example.ts.net}: names ending in {@code dottedSuffix}, not the apex, not IPs. */
  record Suffix(String dottedSuffix) implements HostPattern {
    @Override
    public boolean matches(NormalizedHost target, String magicDnsSuffix, PeerList.Peer peer) {
      return !target.isAddress() && target.name().endsWith(dottedSuffix);
    }

    @Override
    public boolean namesSpecial() {
      return SpecialTarget.isLocalhostName(dottedSuffix.substring(1));
    }
  }

  /** {@code 100.64.0.0/10}, {@code fd7a:115c:a1e0::/48}. */
  record Cidr(AddressRange range) implements HostPattern {
    @Override
    public boolean matches(NormalizedHost target, String magicDnsSuffix, PeerList.Peer peer) {
      return target.isAddress() && range.contains(target.bytes());
    }

    @Override
    public boolean namesSpecial() {
      return SpecialTarget.isInsideSpecialBlock(range);
    }
  }

  /** {@code tailnet}: the tailnet's address ranges and the names under its MagicDNS suffix. */
  record Tailnet() implements HostPattern {
    private static final AddressRange IPV4 = AddressRange.parseConstant("100.64.0.0/10");
    private static final AddressRange IPV6 = AddressRange.parseConstant("fd7a:115c:a1e0::/48");

    @Override
    public boolean matches(NormalizedHost target, String magicDnsSuffix, PeerList.Peer peer) {
      if (target.isAddress()) {
        return IPV4.contains(target.bytes()) || IPV6.contains(target.bytes());
      }
      return magicDnsSuffix != null && target.name().endsWith(magicDnsSuffix);
    }

    @Override
    public boolean namesSpecial() {
      return false;
    }

    @Override
    public boolean needsMagicDnsSuffix() {
      return true;
    }
  }

  /**
   * {@code tag:prod} ({@code tag} true) or {@code os:linux}: a tailnet peer carrying that ACL tag
   * or running that OS, named by its MagicDNS name or any of its addresses; nothing while the peer
   * list is unknown.
   */
  record OfPeer(boolean tag, String name) implements HostPattern {
    @Override
    public boolean matches(NormalizedHost target, String magicDnsSuffix, PeerList.Peer peer) {
      return peer != null && (tag ? peer.hasTag(name) : peer.runs(name));
    }

    @Override
    public boolean namesSpecial() {
      return false;
    }

    @Override
    public boolean needsPeer() {
      return true;
    }
  }
}
