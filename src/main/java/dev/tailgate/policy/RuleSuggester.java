package dev.tailgate.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The fewest allow rules, in today's syntax, that admit a set of targets seen in the connection
 * log: one rule per host with its ports merged ({@code db1.example.ts.net:22,5432}), and {@code
 * *.SUFFIX:PORTS} for a port that at least {@code minHosts} names under one parent domain share.
 * Addresses stay exact. Given the tailnet's peer list, {@code tag:NAME:PORTS} first where a tag
 * covers the peers seen on a port ({@link TagCover}): broader than the names, since it admits every
 * peer with the tag. A target that is a built-in refusal (loopback, link-local and metadata,
 * unspecified, {@code localhost}), or not a valid host and port, is skipped: no suggestion ever
 * admits it.
 *
 * <p>Pure and single-threaded: targets in, rules out, for {@code tailgate rules suggest}, whose
 * user reviews them before they go into the allowlist.
 */
public final class RuleSuggester {
  /** Distinct host and port pairs kept at most; more are counted as skipped. */
  public static final int MAX_TARGETS = 100_000;

  /** Port items per rule, well under {@link PortSet#MAX_ITEMS} and {@link Rule#MAX_LENGTH}. */
  static final int PORT_ITEMS_PER_RULE = 32;

  /**
   * One suggested rule.
   *
   * @param rule the rule text, as {@code allow} takes it
   * @param connections how many logged connections it admits
   * @param hosts how many distinct hosts of the log it admits
   * @param otherPeers for a tag rule, the peers of the list it also admits that the log does not
   *     name; 0 for a rule by name or address
   */
  public record Suggestion(String rule, long connections, int hosts, int otherPeers) {
    /** A rule by name or address. */
    public Suggestion(String rule, long connections, int hosts) {
      this(rule, connections, hosts, 0);
    }
  }

  private final int minHosts;

  /** Host to port to connections; a host is its normalized name, in order for stable output. */
  private final Map<NormalizedHost, TreeMap<Integer, Long>> seen = new HashMap<>();

  private int targets;
  private long skipped;

  /**
   * @param minHosts how many names under one parent domain must share a port before they become one
   *     {@code *.SUFFIX} rule; at least 2
   */
  public RuleSuggester(int minHosts) {
    if (minHosts < 2) {
      throw new IllegalArgumentException("min-hosts must be at least 2, not " + minHosts);
    }
    this.minHosts = minHosts;
  }

  /**
   * Counts one connection to {@code host:port}.
   *
   * @return false when it was skipped: a built-in refusal, not a valid target, or over {@link
   *     #MAX_TARGETS}
   */
  public boolean add(String host, int port) {
    NormalizedHost target;
    try {
      target = NormalizedHost.of(host);
    } catch (IllegalArgumentException invalid) {
      skipped++;
      return false;
    }
    if (port < PortSet.MIN_PORT || port > PortSet.MAX_PORT || SpecialTarget.of(target) != null) {
      skipped++;
      return false;
    }
    TreeMap<Integer, Long> ports = seen.get(target);
    boolean known = ports != null && ports.containsKey(port);
    if (!known && targets >= MAX_TARGETS) {
      skipped++;
      return false;
    }
    if (!known) {
      targets++;
    }
    seen.computeIfAbsent(target, t -> new TreeMap<>()).merge(port, 1L, Long::sum);
    return true;
  }

  /** Connections not counted: built-in refusals, invalid targets, or past the bound. */
  public long skipped() {
    return skipped;
  }

  /** The rules by name and address, most connections first (then by text). */
  public List<Suggestion> suggest() {
    return suggest(PeerList.UNKNOWN);
  }

  /**
   * The rules, {@code tag:} rules first where {@code peers} has tags that cover what the log saw
   * (none when the list is unknown), then by name and address for the rest; most connections first
   * (then by text).
   */
  public List<Suggestion> suggest(PeerList peers) {
    Map<String, List<NormalizedHost>> byParent = new TreeMap<>();
    for (NormalizedHost host : seen.keySet()) {
      String parent = host.isAddress() ? null : parent(host.name());
      if (parent != null) {
        byParent.computeIfAbsent(parent, p -> new ArrayList<>()).add(host);
      }
    }
    Map<NormalizedHost, SortedSet<Integer>> left = new HashMap<>();
    seen.forEach((host, ports) -> left.put(host, new TreeSet<>(ports.keySet())));
    List<Suggestion> out = new ArrayList<>();
    for (TagCover.Cover cover : TagCover.of(seen, peers)) {
      cover.covered().forEach((host, ports) -> left.get(host).removeAll(ports));
      for (Suggestion s :
          rules(cover.tag(), cover.ports(), List.copyOf(cover.covered().keySet()))) {
        out.add(new Suggestion(s.rule(), s.connections(), s.hosts(), cover.otherPeers()));
      }
    }
    byParent.forEach((parent, hosts) -> out.addAll(wildcard(parent, hosts, left)));
    left.forEach(
        (host, ports) -> {
          if (!ports.isEmpty()) {
            out.addAll(rules(hostText(host), ports, List.of(host)));
          }
        });
    out.sort(
        Comparator.comparingLong(Suggestion::connections)
            .reversed()
            .thenComparing(Suggestion::rule));
    return out;
  }

  /**
   * The {@code *.parent} rules for ports {@code minHosts} hosts share, taken out of {@code left}.
   */
  private List<Suggestion> wildcard(
      String parent, List<NormalizedHost> hosts, Map<NormalizedHost, SortedSet<Integer>> left) {
    if (hosts.size() < minHosts) {
      return List.of();
    }
    Map<Integer, Integer> hostsPerPort = new TreeMap<>();
    for (NormalizedHost host : hosts) {
      for (int port : left.get(host)) {
        hostsPerPort.merge(port, 1, Integer::sum);
      }
    }
    SortedSet<Integer> shared = new TreeSet<>();
    hostsPerPort.forEach(
        (port, n) -> {
          if (n >= minHosts) {
            shared.add(port);
          }
        });
    if (shared.isEmpty()) {
      return List.of();
    }
    for (NormalizedHost host : hosts) {
      left.get(host).removeAll(shared);
    }
    return rules("*." + parent, shared, hosts);
  }

  /** {@code host:PORTS} rules for {@code ports}, as few as the per-rule bound allows. */
  private List<Suggestion> rules(String host, SortedSet<Integer> ports, List<NormalizedHost> of) {
    List<String> items = portItems(ports);
    List<Suggestion> out = new ArrayList<>();
    for (int from = 0; from < items.size(); from += PORT_ITEMS_PER_RULE) {
      List<String> chunk = items.subList(from, Math.min(items.size(), from + PORT_ITEMS_PER_RULE));
      PortSet set = PortSet.parse(String.join(",", chunk));
      long connections = 0;
      int hosts = 0;
      for (NormalizedHost h : of) {
        long n = 0;
        for (Map.Entry<Integer, Long> e : seen.get(h).entrySet()) {
          n += set.contains(e.getKey()) ? e.getValue() : 0;
        }
        connections += n;
        hosts += n > 0 ? 1 : 0;
      }
      out.add(new Suggestion(host + ":" + set, connections, hosts));
    }
    return out;
  }

  /** Sorted ports as rule items, runs of consecutive ports as one {@code LOW-HIGH}. */
  static List<String> portItems(SortedSet<Integer> ports) {
    List<String> items = new ArrayList<>();
    Integer low = null;
    int high = 0;
    for (int port : ports) {
      if (low != null && port == high + 1) {
        high = port;
        continue;
      }
      if (low != null) {
        items.add(low == high ? String.valueOf(low) : low + "-" + high);
      }
      low = port;
      high = port;
    }
    if (low != null) {
      items.add(low == high ? String.valueOf(low) : low + "-" + high);
    }
    return items;
  }

  /**
   * The domain a {@code *.} rule for {@code name} would name: the name without its first label,
   * when that still has two labels ({@code tail1234.ts.net}, {@code example.com}, never {@code
   * com}), and is not under {@code localhost}.
   */
  static String parent(String name) {
    int dot = name.indexOf('.');
    if (dot < 0) {
      return null;
    }
    String parent = name.substring(dot + 1);
    if (parent.indexOf('.') < 0 || SpecialTarget.isLocalhostName(parent)) {
      return null;
    }
    return parent;
  }

  /** The host part of a rule for one target: an IPv6 address in brackets. */
  private static String hostText(NormalizedHost host) {
    return host.isAddress() && host.bytes().length == 16 ? "[" + host.name() + "]" : host.name();
  }
}
