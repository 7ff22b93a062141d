package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * With the peer list, {@code rules suggest} writes a tag rule where a tag covers the peers the log
 * saw on a port (by name or address), the narrower tag in a tie, and says how many peers of the
 * list it also admits; untagged peers and other hosts keep their rules by name.
 */
class TagRuleSuggestionTest {
  private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
  private static final PeerList PEERS =
      PeerList.of(
          "tail1234.ts.net",
          List.of(
              peer("web-1", "100.64.0.11", "tag:web"),
              peer("web-2", "100.64.0.12", "tag:web", "tag:prod"),
              peer("web-3", "100.64.0.13", "tag:web"),
              peer("db-1", "100.64.0.21", "tag:db"),
              peer("laptop", "100.64.0.9")),
          NOW);

  private static final String[][] LOGGED = {
    {"web-1.tail1234.ts.net", "443"},
    {"100.64.0.12", "443"}, // web-2 by address
    {"web-2.tail1234.ts.net", "22"},
    {"db-1", "5432"},
    {"laptop.tail1234.ts.net", "22"},
    {"example.com", "443"},
  };

  private static PeerList.Peer peer(String name, String address, String... tags) {
    return new PeerList.Peer(
        name + ".tail1234.ts.net", List.of(address), Set.of(tags), "linux", true, null);
  }

  private static RuleSuggester logged() {
    RuleSuggester suggester = new RuleSuggester(3);
    for (String[] target : LOGGED) {
      suggester.add(target[0], Integer.parseInt(target[1]));
    }
    return suggester;
  }

  @Test
  void aTagCoversThePeersSeenOnAPortAndSaysWhomElseItAdmits() {
    assertThat(logged().suggest(PEERS))
        .containsExactlyInAnyOrder(
            new RuleSuggester.Suggestion("tag:web:443", 2, 2, 1),
            new RuleSuggester.Suggestion("tag:prod:22", 1, 1, 0),
            new RuleSuggester.Suggestion("tag:db:5432", 1, 1, 0),
            new RuleSuggester.Suggestion("laptop.tail1234.ts.net:22", 1, 1),
            new RuleSuggester.Suggestion("example.com:443", 1, 1));
  }

  @Test
  void loadedWithThePeerListTheRulesAdmitTheLogAndTheTagsOtherPeersOnly() throws Exception {
    Allowlist allowlist =
        Allowlist.parse(
                logged().suggest(PEERS).stream().map(RuleSuggester.Suggestion::rule).toList(),
                () -> "tail1234.ts.net")
            .withPeers(() -> PEERS);

    for (String[] target : LOGGED) {
      assertThat(allowlist.decide(target[0], Integer.parseInt(target[1])).allowed())
          .as("%s:%s", target[0], target[1])
          .isTrue();
    }
    assertThat(allowlist.decide("web-3.tail1234.ts.net", 443).allowed())
        .as("a tag rule's breadth: web-3 carries tag:web")
        .isTrue();
    for (String[] other :
        new String[][] {
          {"laptop.tail1234.ts.net", "443"},
          {"100.64.0.9", "443"},
          {"web-1.tail1234.ts.net", "22"},
          {"db-1.tail1234.ts.net", "22"},
          {"100.64.0.12", "80"},
        }) {
      assertThat(allowlist.decide(other[0], Integer.parseInt(other[1])).allowed())
          .as("%s:%s", other[0], other[1])
          .isFalse();
    }
  }

  @Test
  void withoutAPeerListTheRulesAreByNameAsBefore() {
    assertThat(logged().suggest(PeerList.UNKNOWN))
        .isEqualTo(logged().suggest())
        .extracting(RuleSuggester.Suggestion::rule)
        .noneMatch(r -> r.startsWith("tag:"));
  }
}
