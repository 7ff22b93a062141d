package dev.tailgate.localapi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing fixtures shaped like tailscaled's GET /localapi/v0/status output. */
class TailscaleStatusTest {

  @Test
  void runningNodeWithPeers() throws Exception {
    TailscaleStatus status = TailscaleStatus.parse(Fixtures.bytes("/localapi/status-running.json"));

    assertThat(status.backendState()).isEqualTo("Running");
    assertThat(status.state()).contains(IpnState.RUNNING);
    assertThat(status.authUrl()).isEmpty();
    assertThat(status.magicDnsSuffix()).isEqualTo("tail1234.ts.net");
    assertThat(status.currentTailnetName()).contains("example.org");
    assertThat(status.health())
        .containsExactly("Some peers are advertising routes but --accept-routes is false");

    PeerStatus self = status.self().orElseThrow();
    assertThat(self.id()).isEqualTo("nQz7uM5CNTRL");
    assertThat(self.hostName()).isEqualTo("devcontainer-gw");
    assertThat(self.dnsName()).isEqualTo("devcontainer-gw.tail1234.ts.net.");
    assertThat(self.dnsNameWithoutDot()).isEqualTo("devcontainer-gw.tail1234.ts.net");
    assertThat(self.tailscaleIps()).containsExactly("100.101.102.103", "fd7a:115c:a1e0::1234:5678");
    assertThat(self.os()).isEqualTo("linux");
    assertThat(self.tags()).containsExactly("tag:gateway");
    assertThat(self.online()).isTrue();
  }

  @Test
  void peersComeFromThePeerMapInOrder() throws Exception {
    List<PeerStatus> peers =
        TailscaleStatus.parse(Fixtures.bytes("/localapi/status-running.json")).peers();

    assertThat(peers)
        .extracting(PeerStatus::hostName)
        .containsExactly("web-1", "db-1", "alices-MacBook-Pro");
    PeerStatus web = peers.get(0);
    assertThat(web.id()).isEqualTo("nAbC1dEf2CNTRL");
    assertThat(web.dnsNameWithoutDot()).isEqualTo("web-1.tail1234.ts.net");
    assertThat(web.tailscaleIps()).containsExactly("100.64.0.11", "fd7a:115c:a1e0::b");
    assertThat(web.tags()).containsExactly("tag:web", "tag:prod");
    assertThat(web.online()).isTrue();

    PeerStatus db = peers.get(1);
    assertThat(db.tags()).as("Tags is absent on untagged nodes").isEmpty();
    assertThat(db.online()).isFalse();

    assertThat(peers.get(2).os()).isEqualTo("macOS");
  }

  @Test
  void loggedOutNodeHasAuthUrlAndNoPeers() throws Exception {
    TailscaleStatus status =
        TailscaleStatus.parse(Fixtures.bytes("/localapi/status-needs-login.json"));

    assertThat(status.state()).contains(IpnState.NEEDS_LOGIN);
    assertThat(status.authUrl()).isEqualTo("https://login.tailscale.com/a/1a2b3c4d5e6f7");
    assertThat(status.peers()).as("Peer is null").isEmpty();
    assertThat(status.currentTailnetName()).as("CurrentTailnet is null").isEmpty();
    assertThat(status.magicDnsSuffix()).isEmpty();
    PeerStatus self = status.self().orElseThrow();
    assertThat(self.dnsName()).isEmpty();
    assertThat(self.dnsNameWithoutDot()).isEmpty();
    assertThat(self.tailscaleIps()).as("TailscaleIPs is null").isEmpty();
    assertThat(status.health()).singleElement().asString().startsWith("You are logged out.");
  }

  @Test
  void olderDaemonsGiveOnlyTheTopLevelMagicDnsSuffix() throws Exception {
    TailscaleStatus status =
        TailscaleStatus.parse(
            "{\"BackendState\":\"Running\",\"MagicDNSSuffix\":\"old.ts.net\"}".getBytes(UTF_8));
    assertThat(status.magicDnsSuffix()).isEqualTo("old.ts.net");
    assertThat(status.self()).isEmpty();
  }

  @Test
  void unknownBackendStateHasNoEnum() throws Exception {
    TailscaleStatus status =
        TailscaleStatus.parse("{\"BackendState\":\"Levitating\"}".getBytes(UTF_8));
    assertThat(status.backendState()).isEqualTo("Levitating");
    assertThat(status.state()).isEmpty();
  }

  @Test
  void rejectsJsonThatIsNotAnObject() {
    assertThatThrownBy(() -> TailscaleStatus.parse("[]".getBytes(UTF_8)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> TailscaleStatus.parse("<html>".getBytes(UTF_8)))
        .isInstanceOf(IOException.class);
  }
}
