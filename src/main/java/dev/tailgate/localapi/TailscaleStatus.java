package dev.tailgate.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What tailgate uses of {@code GET /localapi/v0/status} (tailscaled's {@code ipnstate.Status}, also
 * printed by {@code tailscale status --json}). Unknown fields are ignored. Strings are "" where
 * tailscaled sends Go's zero value; Optional where it sends a nil pointer.
 *
 * @param backendState "NoState", "NeedsLogin", "NeedsMachineAuth", "Stopped", "Starting" or
 *     "Running" ({@code BackendState}); see {@link IpnState}
 * @param authUrl where a human would log in ({@code AuthURL}), "" if none
 * @param magicDnsSuffix e.g. "tail1234.ts.net", from {@code CurrentTailnet.MagicDNSSuffix} or the
 *     older top-level {@code MagicDNSSuffix}
 * @param currentTailnetName {@code CurrentTailnet.Name}, absent when not connected
 * @param self this node ({@code Self})
 * @param peers the other nodes, in tailscaled's order ({@code Peer}, a map keyed by node key)
 * @param health current health problems ({@code Health}); empty means none known
 */
public record TailscaleStatus(
    String backendState,
    String authUrl,
    String magicDnsSuffix,
    Optional<String> currentTailnetName,
    Optional<PeerStatus> self,
    List<PeerStatus> peers,
    List<String> health) {

  public TailscaleStatus {
    peers = List.copyOf(peers);
    health = List.copyOf(health);
  }

  /** Parses status JSON. */
  public static TailscaleStatus parse(byte[] json) throws IOException {
    JsonNode root = Json.MAPPER.readTree(json);
    if (root == null || !root.isObject()) {
      throw new IOException("status is not a JSON object");
    }
    return fromJson(root);
  }

  static TailscaleStatus fromJson(JsonNode root) {
    JsonNode tailnet = root.path("CurrentTailnet");
    String suffix = Json.text(tailnet, "MagicDNSSuffix");
    List<PeerStatus> peers = new ArrayList<>();
    root.path("Peer").forEach(peer -> peers.add(PeerStatus.fromJson(peer)));
    return new TailscaleStatus(
        Json.text(root, "BackendState"),
        Json.text(root, "AuthURL"),
        suffix.isEmpty() ? Json.text(root, "MagicDNSSuffix") : suffix,
        tailnet.isObject() ? Optional.of(Json.text(tailnet, "Name")) : Optional.empty(),
        root.path("Self").isObject()
            ? Optional.of(PeerStatus.fromJson(root.path("Self")))
            : Optional.empty(),
        peers,
        Json.texts(root, "Health"));
  }

  /**
   * Running, and in the control server's map poll ({@code Self.Online}, tailscaled's {@code
   * health.GetInPollNetMap}): the netmap is control's, not only the one of tailscaled's disk cache.
   */
  public boolean inControlsMapPoll() {
    return state().orElse(null) == IpnState.RUNNING && self.map(PeerStatus::online).orElse(false);
  }

  /** The backend state as an enum, empty for a name this version does not know. */
  public Optional<IpnState> state() {
    return IpnState.fromName(backendState);
  }
}
