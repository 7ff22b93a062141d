package dev.tailgate.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One node of the tailnet, as tailscaled's {@code ipnstate.PeerStatus} describes it. Strings are ""
 * and lists empty where tailscaled sends nothing.
 *
 * @param id the stable node ID ({@code ID})
 * @param hostName the host's own name ({@code HostName}); not unique, not a DNS name
 * @param dnsName the MagicDNS FQDN with its trailing dot ({@code DNSName}), "" before login
 * @param tailscaleIps the node's tailnet addresses ({@code TailscaleIPs})
 * @param os e.g. "linux", "macOS" ({@code OS})
 * @param tags ACL tags such as "tag:web" ({@code Tags}, absent on untagged nodes)
 * @param online whether the node is connected to the control plane ({@code Online})
 * @param sshHostKeys the node's SSH host keys, "TYPE BASE64" each ({@code sshHostKeys}); only nodes
 *     that run Tailscale SSH advertise them
 * @param lastSeen when control last saw the node, RFC 3339 ({@code LastSeen}); "" when absent, Go's
 *     zero time when never
 */
public record PeerStatus(
    String id,
    String hostName,
    String dnsName,
    List<String> tailscaleIps,
    String os,
    List<String> tags,
    boolean online,
    List<String> sshHostKeys,
    String lastSeen) {

  public PeerStatus {
    tailscaleIps = List.copyOf(tailscaleIps);
    tags = List.copyOf(tags);
    sshHostKeys = List.copyOf(sshHostKeys);
  }

  static PeerStatus fromJson(JsonNode node) {
    return new PeerStatus(
        Json.text(node, "ID"),
        Json.text(node, "HostName"),
        Json.text(node, "DNSName"),
        Json.texts(node, "TailscaleIPs"),
        Json.text(node, "OS"),
        Json.texts(node, "Tags"),
        node.path("Online").asBoolean(false),
        Json.texts(node, "sshHostKeys"),
        Json.text(node, "LastSeen"));
  }

  /** The MagicDNS name as users type it, e.g. "web-1.tail1234.ts.net". */
  public String dnsNameWithoutDot() {
    return dnsName.endsWith(".") ? dnsName.substring(0, dnsName.length() - 1) : dnsName;
  }
}
