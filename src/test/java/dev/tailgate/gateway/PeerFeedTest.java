package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.PeerList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** tailscaled's status, as the LocalAPI gives it, mapped into the policy's peer list. */
class PeerFeedTest {
  private static final Instant NOW = Instant.parse("2026-12-04T21:00:00Z");

  private static PeerList peers() throws Exception {
    byte[] json =
        Files.readAllBytes(Path.of("src/test/resources/localapi/status-ssh-host-keys.json"));
    return PeerFeed.of(TailscaleStatus.parse(json), NOW);
  }

  @Test
  void mapsTagsOsAddressesAndTheOfflineFlagWithWhenItWasLastSeen() throws Exception {
    PeerList peers = peers();

    assertThat(peers.asOf()).isEqualTo(NOW);
    assertThat(peers.find("fd7a:115c:a1e0::b").tags())
        .containsExactlyInAnyOrder("tag:web", "tag:prod");
    assertThat(peers.find("alices-macbook-pro").os()).isEqualTo("macOS");
    assertThat(peers.unreachable("db-1", NOW).reason())
        .isEqualTo("peer db-1.tail1234.ts.net is offline (last seen 2025-06-30T17:42:10Z)");
    assertThat(peers.find("web-1").lastSeen()).as("Go's zero time is no time").isNull();
  }

  @Test
  void thisNodeItselfIsAPeerSoItsOwnNameIsNoUnknownPeer() throws Exception {
    PeerList peers = peers();

    assertThat(peers.unreachable("devcontainer-gw.tail1234.ts.net", NOW)).isNull();
    assertThat(peers.unreachable("nobody.tail1234.ts.net", NOW).reason())
        .isEqualTo("nobody.tail1234.ts.net: no such peer in the tailnet");
  }

  @Test
  void aTagRuleOnTheMappedListAdmitsByNameAndAddress() throws Exception {
    PeerList peers = peers();
    Allowlist rules =
        Allowlist.parse(List.of("tag:prod:22"), () -> "tail1234.ts.net").withPeers(() -> peers);

    assertThat(rules.decide("web-1.tail1234.ts.net", 22).allowed()).isTrue();
    assertThat(rules.decide("100.64.0.11", 22).allowed()).isTrue();
    assertThat(rules.decide("100.64.0.12", 22).allowed()).isFalse();
  }

  @Test
  void withoutASupervisorThePeerListIsNeverKnown() {
    assertThat(new PeerFeed(null).get().known()).isFalse();
  }

  private static TailscaleStatus plainIs(boolean online) throws Exception {
    String json =
        """
        {"BackendState": "Running", "MagicDNSSuffix": "tailnet.test",
         "Peer": {"k1": {"DNSName": "plain.tailnet.test.", "TailscaleIPs": ["100.64.0.2"],
                         "OS": "linux", "Online": %s}}}
        """
            .formatted(online);
    return TailscaleStatus.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void anOfflinePeerWithoutControlsLastSeenWasLastSeenWhenThisGatewayLastListedItOnline()
      throws Exception {
    java.util.Map<String, Instant> seen = new java.util.HashMap<>();
    PeerFeed.of(plainIs(true), NOW, seen);
    Instant later = NOW.plusSeconds(7);

    PeerList peers = PeerFeed.of(plainIs(false), later, seen);

    assertThat(peers.unreachable("plain.tailnet.test", later).reason())
        .isEqualTo("peer plain.tailnet.test is offline (last seen 2026-12-04T21:00:00Z)");
    assertThat(PeerFeed.of(plainIs(false), later).unreachable("plain", later).reason())
        .endsWith("(last seen unknown)");
  }

  @Test
  void aStatusOutOfControlsMapPollKeepsTheListControlLastGave() throws Exception {
    java.util.concurrent.atomic.AtomicReference<TailscaleStatus> now =
        new java.util.concurrent.atomic.AtomicReference<>(selfIs(false, true));
    PeerFeed feed =
        new PeerFeed(() -> java.util.Optional.of(now.get()), () -> java.util.Optional.of(NOW));

    assertThat(feed.get().known()).as("a disk cache's netmap is no peer list").isFalse();

    now.set(selfIs(true, true));
    assertThat(feed.get().find("plain").online()).isTrue();

    now.set(selfIs(false, false)); // control gone: its last word stands
    assertThat(feed.get().find("plain").online()).isTrue();
  }

  /** A Running status whose Self is (not) in control's map poll, with one peer. */
  private static TailscaleStatus selfIs(boolean inMapPoll, boolean plainOnline) throws Exception {
    String json =
        """
        {"BackendState": "Running", "MagicDNSSuffix": "tailnet.test",
         "Self": {"DNSName": "gw.tailnet.test.", "Online": %s},
         "Peer": {"k1": {"DNSName": "plain.tailnet.test.", "TailscaleIPs": ["100.64.0.2"],
                         "OS": "linux", "Online": %s}}}
        """
            .formatted(inMapPoll, plainOnline);
    return TailscaleStatus.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
