package dev.tailgate.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The allowlist: an ordered list of {@code HOST[:PORTS]} rules, deny by default, first match wins.
 *
 * <p>Loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16 with the cloud metadata address,
 * fe80::/10), unspecified (0.0.0.0/8, ::) and {@code localhost} / {@code *.localhost} targets are
 * refused even under a broad rule ({@code *}, {@code 0.0.0.0/0}, {@code ::/0}) unless a rule names
 * them itself: an exact address or name, a CIDR lying wholly inside the special block, or a suffix
 * under {@code localhost}. Such a rule may come later in the list than the broad one. When a broad
 * rule matched but was overridden, the refusal is recorded as {@code builtin:loopback} and so on.
 *
 * <p>In {@link Mode#REPORT} mode (a dry run for rolling out rules) a target no rule admits is let
 * through as {@link Decision#wouldDeny}; the built-in refusals above, an invalid host and an
 * invalid port stay refusals in either mode.
 *
 * <p>Immutable and thread-safe. {@link #decide} runs on the event loop for every connection, so it
 * does no I/O and no DNS, and finds exact-name and exact-address rules through a hash index.
 */
public final class Allowlist {
  static final int MAX_RULES = 10_000;

  /** A client that is not local, or whose uid was not found: no {@code from uid} rule admits it. */
  public static final int UNKNOWN_UID = -1;

  /** What a refusal does: refuse ({@code enforce}, the default), or only log ({@code report}). */
  public enum Mode {
    ENFORCE,
    REPORT;

    /** The mode as the settings spell it: {@code enforce} or {@code report}. */
    public static Mode parse(String text) {
      for (Mode m : values()) {
        if (m.text().equals(text)) {
          return m;
        }
      }
      throw new IllegalArgumentException(
          Printable.quote(String.valueOf(text)) + " is not a mode: expected enforce or report");
    }

    /** {@code enforce} or {@code report}. */
    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final List<String> texts;
  private final Rule[] rules;

  /** Exact name or address to the indexes of the rules naming it, ascending. */
  private final Map<String, int[]> exactRules;

  /** Indexes of all other rules, ascending: scanned in order. */
  private final int[] scannedRules;

  private final boolean needsMagicDnsSuffix;
  private final Supplier<String> magicDnsSuffix;
  private final Mode mode;

  /** Whether a {@code tag:} or {@code os:} rule needs the peer a target names. */
  private final boolean needsPeer;

  private final Supplier<PeerList> peers;

  /**
   * Every uid a rule names ({@code from uid}: the local clients it admits), ascending, without
   * repeats; empty when no rule names any.
   */
  private final int[] namedUids;

  private Allowlist(List<String> texts, Rule[] rules, Supplier<String> magicDnsSuffix) {
    this.texts = texts;
    this.rules = rules;
    this.magicDnsSuffix = magicDnsSuffix;
    this.mode = Mode.ENFORCE;
    this.peers = () -> PeerList.UNKNOWN;
    Map<String, List<Integer>> exact = new HashMap<>();
    int[] scanned = new int[rules.length];
    int scannedCount = 0;
    boolean needsSuffix = false;
    boolean peerRules = false;
    IntStream uids = IntStream.empty();
    for (int i = 0; i < rules.length; i++) {
      String key = rules[i].host().exactKey();
      if (key != null) {
        exact.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
      } else {
        scanned[scannedCount++] = i;
      }
      needsSuffix |= rules[i].host().needsMagicDnsSuffix();
      peerRules |= rules[i].host().needsPeer();
      uids = IntStream.concat(uids, rules[i].clients().uids());
    }
    Map<String, int[]> index = new HashMap<>();
    exact.forEach((k, v) -> index.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
    this.exactRules = Map.copyOf(index);
    this.scannedRules = Arrays.copyOf(scanned, scannedCount);
    this.needsMagicDnsSuffix = needsSuffix;
    this.needsPeer = peerRules;
    this.namedUids = uids.sorted().distinct().toArray();
  }

  private Allowlist(Allowlist rules, Mode mode, Supplier<PeerList> peers) {
    this.texts = rules.texts;
    this.rules = rules.rules;
    this.magicDnsSuffix = rules.magicDnsSuffix;
    this.exactRules = rules.exactRules;
    this.scannedRules = rules.scannedRules;
    this.needsMagicDnsSuffix = rules.needsMagicDnsSuffix;
    this.needsPeer = rules.needsPeer;
    this.namedUids = rules.namedUids;
    this.mode = Objects.requireNonNull(mode, "mode");
    this.peers = Objects.requireNonNull(peers, "peers");
  }

  /** These rules in {@code mode}; parsed allowlists start in {@link Mode#ENFORCE}. */
  public Allowlist in(Mode mode) {
    return mode == this.mode ? this : new Allowlist(this, mode, peers);
  }

  /**
   * These rules matching {@code tag:} and {@code os:} rules against {@code peers}, asked at {@link
   * #decide} time for the live list; parsed allowlists see {@link PeerList#UNKNOWN}, under which
   * such rules match nothing.
   */
  public Allowlist withPeers(Supplier<PeerList> peers) {
    return new Allowlist(this, mode, peers);
  }

  /** Whether a refusal refuses or is only logged. */
  public Mode mode() {
    return mode;
  }

  /**
   * Parses rules, in order. A rule is {@code HOST[:PORTS]}:
   *
   * <ul>
   *   <li>HOST: an exact name ({@code db1.example.ts.net}); a suffix ({@code *.example.ts.net},
   *       names below it, not the apex); {@code *} (any host); an IPv4 or IPv6 address (IPv6 in
   *       brackets when a port follows: {@code [fd7a:115c:a1e0::1]:22}); a CIDR ({@code
   *       100.64.0.0/10}, {@code fd7a:115c:a1e0::/48}, {@code [fd7a::]/48:22}); or {@code tailnet}:
   *       100.64.0.0/10, fd7a:115c:a1e0::/48 and the names under the MagicDNS suffix; {@code
   *       tag:NAME} (a tailnet peer carrying the ACL tag {@code tag:NAME}) or {@code os:NAME} (a
   *       peer running that OS, as tailscaled names it: linux, windows, macOS...), each found in
   *       the live peer list by MagicDNS name, short name or any of its addresses.
   *   <li>PORTS: {@code *}, {@code 22}, {@code 8000-8100}, or a comma list of those; missing means
   *       {@code *}.
   *   <li>then {@code via direct} or {@code via tailscale} (the way to the target), then {@code
   *       from uid 1000[,1001...]} (only local clients whose socket one of those uids owns), both
   *       optional.
   * </ul>
   *
   * <p>At most {@value #MAX_RULES} rules, each at most {@value Rule#MAX_LENGTH} characters with at
   * most {@value PortSet#MAX_ITEMS} port items.
   *
   * @param magicDnsSuffix asked at {@link #decide} time for the tailnet's MagicDNS suffix (e.g.
   *     {@code tail1234.ts.net}); may return null while it is unknown
   * @throws RuleSyntaxException whose message is one line naming the rule and what is wrong
   */
  public static Allowlist parse(List<String> rules, Supplier<String> magicDnsSuffix)
      throws RuleSyntaxException {
    Objects.requireNonNull(rules, "rules");
    Objects.requireNonNull(magicDnsSuffix, "magicDnsSuffix");
    if (rules.size() > MAX_RULES) {
      throw new RuleSyntaxException(
          "too many rules: " + rules.size() + ", at most " + MAX_RULES + " are allowed");
    }
    Rule[] parsed = new Rule[rules.size()];
    List<String> texts = new ArrayList<>(rules.size());
    for (int i = 0; i < parsed.length; i++) {
      parsed[i] = Rule.parse(rules.get(i));
      texts.add(parsed[i].text());
    }
    return new Allowlist(List.copyOf(texts), parsed, magicDnsSuffix);
  }

  /** Parses rules for a tailnet whose MagicDNS suffix is never known. */
  public static Allowlist parse(List<String> rules) throws RuleSyntaxException {
    return parse(rules, () -> null);
  }

  /**
   * Decides whether a client may reach {@code host:port}. Never throws: an invalid host or port is
   * a refusal with its reason.
   *
   * @param host as the client sent it: a name, an IPv4 or IPv6 literal (maybe bracketed), or an IP
   *     in disguise such as {@code 2130706433}
   */
  public Decision decide(String host, int port) {
    return decide(host, port, UNKNOWN_UID);
  }

  /**
   * Decides whether a client of {@code uid} may reach {@code host:port}, as {@link #decide(String,
   * int)} does; a rule with {@code from uid} admits the client only when it names {@code uid}.
   *
   * @param uid the uid owning the local client's socket, or {@link #UNKNOWN_UID}
   */
  public Decision decide(String host, int port, int uid) {
    NormalizedHost target;
    try {
      target = NormalizedHost.of(host);
    } catch (IllegalArgumentException e) {
      return Decision.invalid(e.getMessage(), null);
    }
    if (port < PortSet.MIN_PORT || port > PortSet.MAX_PORT) {
      return Decision.invalid(
          "port " + port + " is out of range " + PortSet.MIN_PORT + "-" + PortSet.MAX_PORT, target);
    }
    SpecialTarget special = SpecialTarget.of(target);
    String suffix = needsMagicDnsSuffix && !target.isAddress() ? dottedMagicDnsSuffix() : null;
    PeerList list = needsPeer ? peers.get() : PeerList.UNKNOWN;
    PeerList.Peer peer = needsPeer ? list.find(target) : null;

    int first = firstExactRule(target, port, uid);
    boolean broadRuleOverridden = false;
    for (int i : scannedRules) {
      if (first >= 0 && i > first) {
        break;
      }
      if (rules[i].matches(target, port, suffix, peer, uid)) {
        if (special == null || rules[i].host().namesSpecial()) {
          first = i;
          break;
        }
        broadRuleOverridden = true;
      }
    }
    if (first >= 0) {
      return Decision.allow(rules[first], target);
    }
    if (broadRuleOverridden) {
      return Decision.refuseSpecial(special, target);
    }
    Decision refused =
        needsPeer && !list.known()
            ? Decision.peersUnknown(target, port)
            : Decision.noRuleMatches(target, port, namesUids() ? uid : null);
    return mode == Mode.REPORT && special == null ? refused.reported() : refused;
  }

  /**
   * Whether {@link #decide} would judge {@code host} without all its rules: a name, while a {@code
   * tailnet} rule waits for the MagicDNS suffix (before tailscaled is first Running). The relay
   * holds such a request until the suffix is known rather than refuse what may be allowed.
   */
  public boolean awaitsMagicDnsSuffix(String host) {
    if (!needsMagicDnsSuffix) {
      return false;
    }
    try {
      return !NormalizedHost.of(host).isAddress() && dottedMagicDnsSuffix() == null;
    } catch (IllegalArgumentException invalid) {
      return false; // refused by decide, suffix or not
    }
  }

  /**
   * The first rule that admits {@code host} on some port for some client, or null: what the status
   * page's peer table shows for each peer. Built-in refusals are not considered (tailnet peers are
   * never special targets).
   */
  public String ruleAdmitting(String host) {
    NormalizedHost target;
    try {
      target = NormalizedHost.of(host);
    } catch (IllegalArgumentException e) {
      return null;
    }
    String suffix = needsMagicDnsSuffix && !target.isAddress() ? dottedMagicDnsSuffix() : null;
    PeerList.Peer peer = needsPeer ? peers.get().find(target) : null;
    for (Rule rule : rules) {
      if (rule.host().matches(target, suffix, peer)) {
        return rule.text();
      }
    }
    return null;
  }

  /**
   * The uids that {@code from uid} rules name and that {@link #decide(String, int, int)} admits to
   * {@code host:port}, ascending, at most {@code limit} of them (the lowest); empty when no rule
   * names uids. For a reader who cannot say whose client it is (the status page): a target refused
   * to a client of unknown uid may still be open to these.
   */
  public List<Integer> uidsAdmitted(String host, int port, int limit) {
    List<Integer> admitted = new ArrayList<>();
    for (int uid : namedUids) {
      if (admitted.size() >= limit) {
        break;
      }
      if (decide(host, port, uid).allowedWhenEnforced()) {
        admitted.add(uid);
      }
    }
    return List.copyOf(admitted);
  }

  /**
   * Whether {@link #decide} would judge without all its rules because a {@code tag:} or {@code os:}
   * rule waits for tailscaled's peer list (before it is first Running): the relay holds the request
   * until then, as for {@link #awaitsMagicDnsSuffix}.
   */
  public boolean awaitsPeerList() {
    return needsPeer && !peers.get().known();
  }

  /**
   * Why a direct dial must not go to {@code address}, which this host's resolver gave for {@code
   * host}, or null. A name that is not special itself must not lead to loopback, link-local or
   * unspecified addresses (a rebinding resolver, an {@code /etc/hosts} entry): the guard that a
   * name judged here holds through tailscaled holds for {@code via direct} too.
   */
  public static String refusesResolved(String host, String address) {
    NormalizedHost name = NormalizedHost.of(host);
    NormalizedHost resolved = NormalizedHost.of(address);
    SpecialTarget kind = SpecialTarget.of(resolved);
    return kind == null || name.isAddress() || SpecialTarget.of(name) != null
        ? null
        : name.name() + " resolved to " + kind.reason(resolved);
  }

  /**
   * Whether a rule names uids ({@code from uid}): the relay then finds the uid of each loopback
   * client before its request is judged, whatever its client identity for the limits.
   */
  public boolean namesUids() {
    return namedUids.length > 0;
  }

  /** The original rule texts, in order. */
  public List<String> rules() {
    return texts;
  }

  /** The index of the first exact rule for this target, port and client, or -1. */
  private int firstExactRule(NormalizedHost target, int port, int uid) {
    int[] candidates = exactRules.get(target.name());
    if (candidates != null) {
      for (int i : candidates) {
        if (rules[i].ports().contains(port) && rules[i].clients().admit(uid)) {
          return i;
        }
      }
    }
    return -1;
  }

  /** The current MagicDNS suffix as {@code .tail1234.ts.net}, or null if unknown or not a name. */
  private String dottedMagicDnsSuffix() {
    try {
      String suffix = magicDnsSuffix.get();
      if (suffix == null) {
        return null;
      }
      if (suffix.startsWith(".")) {
        suffix = suffix.substring(1);
      }
      NormalizedHost name = NormalizedHost.of(suffix);
      return name.isAddress() ? null : "." + name.name();
    } catch (RuntimeException e) {
      return null; // an unusable suffix only means tailnet names are not known yet
    }
  }

  @Override
  public String toString() {
    return "Allowlist" + (mode == Mode.REPORT ? "(report)" : "") + texts;
  }
}
