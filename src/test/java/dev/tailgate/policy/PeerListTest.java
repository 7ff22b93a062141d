package dev.tailgate.policy;

import static dev.tailgate.policy.PeerRuleTest.NOW;
import static dev.tailgate.policy.PeerRuleTest.PEERS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the peer list says about a target without dialling it, and when it says nothing. */
class PeerListTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"laptop.tail1234.ts.net", "laptop", "100.64.0.9", "LAPTOP.tail1234.ts.net."})
  void anOfflinePeerIsUnreachableWithWhenItWasLastSeen(String host) {
    assertThat(PEERS.unreachable(host, NOW).reason())
        .isEqualTo("peer laptop.tail1234.ts.net is offline (last seen 2026-12-04T20:00:00Z)");
    assertThat(PEERS.unreachable(host, NOW).kind())
        .isEqualTo(PeerList.Unreachable.Kind.PEER_OFFLINE);
  }

  @Test
  void aNameUnderTheSuffixThatNoPeerHasIsNoSuchPeer() {
    assertThat(PEERS.unreachable("gone.tail1234.ts.net", NOW).reason())
        .isEqualTo("gone.tail1234.ts.net: no such peer in the tailnet");
    assertThat(PEERS.unreachable("gone.tail1234.ts.net", NOW).kind())
        .isEqualTo(PeerList.Unreachable.Kind.NO_SUCH_PEER);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "db-1.tail1234.ts.net", // online
        "100.64.0.7",
        "100.64.0.99", // an address no peer has: maybe a subnet route
        "example.com", // outside the tailnet's names
        "gone", // a short name may be anything the resolver finds
        "tail1234.ts.net",
        "bad host!"
      })
  void whatIsOnlineOrNotKnownToBeWrongIsDialled(String host) {
    assertThat(PEERS.unreachable(host, NOW)).isNull();
  }

  @Test
  void inDoubtItDials() {
    PeerList.Peer unknownOnline =
        new PeerList.Peer(
            "x.tail1234.ts.net", List.of("100.64.0.5"), Set.of(), "linux", null, null);
    PeerList list = PeerList.of("tail1234.ts.net", List.of(unknownOnline), NOW);

    assertThat(list.unreachable("x.tail1234.ts.net", NOW)).isNull();
    assertThat(PeerList.UNKNOWN.unreachable("gone.tail1234.ts.net", NOW)).isNull();
    Instant stale = NOW.plus(PeerList.MAX_AGE).plusSeconds(1);
    assertThat(PEERS.unreachable("laptop", stale)).isNull();
    assertThat(PEERS.unreachable("gone.tail1234.ts.net", stale)).isNull();
    assertThat(PEERS.unreachable("laptop", NOW.plus(PeerList.MAX_AGE))).isNotNull();
  }

  @Test
  void withoutASuffixNoNameIsNoSuchPeer() {
    PeerList list = PeerList.of(null, List.of(), NOW);

    assertThat(list.known()).isTrue();
    assertThat(list.unreachable("gone.tail1234.ts.net", NOW)).isNull();
  }
}
