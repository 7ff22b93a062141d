package dev.tailgate.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which logged targets a {@code tag:NAME:PORTS} rule can cover, for {@link RuleSuggester}: on each
 * port, the tagged peers seen there (found in the peer list by name or address, so a name and an
 * address of one peer are one peer) are covered by the tag most of them share, then by the next,
 * until none is left; a tie goes to the tag fewer peers of the list carry (the narrower rule). An
 * untagged peer (or one whose tags no rule can spell), or a target that is no peer, is left to the
 * rules by name.
 *
 * <p>A tag rule admits every peer that carries the tag, not only those of the log: {@link
 * Cover#otherPeers} says how many more the list has now, for the user to weigh.
 */
final class TagCover {
  private TagCover() {}

  /**
   * One tag's rule.
   *
   * @param tag the tag, {@code tag:NAME}, lowercase
   * @param ports the ports it covers
   * @param covered each logged host it covers, with the ports it covers for that host
   * @param otherPeers peers of the list carrying the tag that no covered target names
   */
  record Cover(
      String tag,
      SortedSet<Integer> ports,
      Map<NormalizedHost, Set<Integer>> covered,
      int otherPeers) {}

  /**
   * @param seen each logged host with the ports it was seen on
   * @param peers the peer list; unknown: no cover
   */
  static List<Cover> of(Map<NormalizedHost, ? extends Map<Integer, ?>> seen, PeerList peers) {
    if (!peers.known()) {
      return List.of();
    }
    Map<Integer, Map<PeerList.Peer, List<NormalizedHost>>> byPort = new TreeMap<>();
    seen.forEach(
        (host, ports) -> {
          PeerList.Peer peer = peers.find(host);
          if (peer != null && peer.tags().stream().anyMatch(Rule::isTagName)) {
            for (int port : ports.keySet()) {
              byPort
                  .computeIfAbsent(port, p -> new HashMap<>())
                  .computeIfAbsent(peer, p -> new ArrayList<>())
                  .add(host);
            }
          }
        });
    Map<String, SortedSet<Integer>> tagPorts = new TreeMap<>();
    Map<String, Map<NormalizedHost, Set<Integer>>> tagHosts = new HashMap<>();
    Map<String, Set<PeerList.Peer>> tagPeers = new HashMap<>();
    byPort.forEach(
        (port, onPort) -> {
          Set<PeerList.Peer> left = new HashSet<>(onPort.keySet());
          while (!left.isEmpty()) {
            String tag = widest(left, peers);
            for (PeerList.Peer peer : List.copyOf(left)) {
              if (peer.hasTag(tag)) {
                left.remove(peer);
                tagPeers.computeIfAbsent(tag, t -> new HashSet<>()).add(peer);
                for (NormalizedHost host : onPort.get(peer)) {
                  tagHosts
                      .computeIfAbsent(tag, t -> new HashMap<>())
                      .computeIfAbsent(host, h -> new TreeSet<>())
                      .add(port);
                }
              }
            }
            tagPorts.computeIfAbsent(tag, t -> new TreeSet<>()).add(port);
          }
        });
    List<Cover> out = new ArrayList<>();
    tagPorts.forEach(
        (tag, ports) ->
            out.add(
                new Cover(
                    tag, ports, tagHosts.get(tag), peers.withTag(tag) - tagPeers.get(tag).size())));
    return out;
  }

  /** The tag most of {@code left} carry; in a tie, the one fewest peers carry, then by name. */
  private static String widest(Set<PeerList.Peer> left, PeerList peers) {
    Map<String, Integer> carriers = new TreeMap<>();
    for (PeerList.Peer peer : left) {
      for (String tag : peer.tags()) {
        carriers.merge(tag, 1, Integer::sum);
      }
    }
    return carriers.entrySet().stream()
        .filter(e -> Rule.isTagName(e.getKey()))
        .max(
            Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue)
                .thenComparing(e -> -peers.withTag(e.getKey()))
                .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
        .map(Map.Entry::getKey)
        .orElseThrow();
  }
}
