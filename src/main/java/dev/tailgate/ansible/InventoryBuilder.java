package dev.tailgate.ansible;

import dev.tailgate.localapi.PeerStatus;
import dev.tailgate.localapi.TailscaleStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The tailnet as an Ansible inventory: one host per peer, named by its MagicDNS name without the
 * trailing dot; hostvars {@code ansible_host}, {@code tailscale_hostname}, {@code tailscale_ips},
 * {@code tailscale_os}, {@code tailscale_online}, {@code tailscale_tags}; groups {@code tailnet},
 * {@code online}, {@code offline}, {@code os_<os>} and {@code tag_<tag>} ({@code tag:web} is {@code
 * tag_web}). Pure: a status and the allowlist's refusals in, a sorted structure out.
 *
 * <p>Peers the allowlist refuses are left out, or with {@code includeDenied} kept with the hostvar
 * {@code tailgate_denied} (the reason) and in the group {@code tailgate_denied}. This node itself
 * and peers without a MagicDNS name are never listed.
 */
public final class InventoryBuilder {
  public static final String ALL = "tailnet";
  public static final String DENIED = "tailgate_denied";

  private InventoryBuilder() {}

  /** The inventory: groups by name, each host's variables by host name; both sorted. */
  public record Inventory(
      Map<String, TreeSet<String>> groups, Map<String, Map<String, Object>> hostvars) {}

  /**
   * @param refusal why the allowlist refuses a host name (on the ssh port), or null if it allows it
   */
  public static Inventory build(
      TailscaleStatus status, Function<String, String> refusal, boolean includeDenied) {
    Map<String, TreeSet<String>> groups = new TreeMap<>();
    Map<String, Map<String, Object>> hostvars = new TreeMap<>();
    for (String always : List.of(ALL, "online", "offline")) {
      groups.put(always, new TreeSet<>());
    }
    for (PeerStatus peer : status.peers()) {
      String name = peer.dnsNameWithoutDot().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      String denied = refusal.apply(name);
      if (denied != null && !includeDenied) {
        continue;
      }
      Map<String, Object> vars = new TreeMap<>();
      vars.put("ansible_host", name);
      vars.put("tailscale_hostname", peer.hostName());
      vars.put("tailscale_ips", peer.tailscaleIps());
      vars.put("tailscale_os", peer.os());
      vars.put("tailscale_online", peer.online());
      vars.put("tailscale_tags", peer.tags());
      hostvars.put(name, vars);
      add(groups, ALL, name);
      add(groups, peer.online() ? "online" : "offline", name);
      if (!peer.os().isEmpty()) {
        add(groups, "os_" + groupName(peer.os()), name);
      }
      for (String tag : peer.tags()) {
        add(groups, "tag_" + groupName(tag.startsWith("tag:") ? tag.substring(4) : tag), name);
      }
      if (denied != null) {
        vars.put(DENIED, denied);
        add(groups, DENIED, name);
      }
    }
    return new Inventory(groups, hostvars);
  }

  /** A valid Ansible group name: lower case, anything but letters, digits and _ as _. */
  static String groupName(String text) {
    String g = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    return g.isEmpty() ? "_" : g;
  }

  private static void add(Map<String, TreeSet<String>> groups, String group, String host) {
    groups.computeIfAbsent(group, g -> new TreeSet<>()).add(host);
  }

  /** The document {@code --list} prints: every group with its hosts, and {@code _meta}. */
  public static Map<String, Object> listDocument(Inventory inventory) {
    Map<String, Object> doc = new TreeMap<>();
    inventory.groups().forEach((g, hosts) -> doc.put(g, Map.of("hosts", new ArrayList<>(hosts))));
    doc.put("_meta", Map.of("hostvars", inventory.hostvars()));
    return doc;
  }

  /** What {@code --host NAME} prints: its variables, or an empty object for an unknown host. */
  public static Map<String, Object> hostDocument(Inventory inventory, String host) {
    return inventory.hostvars().getOrDefault(host.toLowerCase(Locale.ROOT), Map.of());
  }
}
