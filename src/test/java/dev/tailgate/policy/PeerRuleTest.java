package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code tag:} and {@code os:} rules, matched against a peer list snapshot. */
class PeerRuleTest {
  static final Instant NOW = Instant.parse("2026-12-04T21:00:00Z");

  static final PeerList.Peer PROD =
      new PeerList.Peer(
          "db-1.tail1234.ts.net.",
          List.of("100.64.0.7", "fd7a:115c:a1e0::7"),
          Set.of("tag:prod", "tag:db"),
          "linux",
          true,
          null);

  static final PeerList.Peer WEB =
      new PeerList.Peer(
          "web-1.tail1234.ts.net.",
          List.of("100.64.0.8"),
          Set.of("tag:web"),
          "windows",
          true,
          null);

  static final PeerList.Peer LAPTOP =
      new PeerList.Peer(
          "laptop.tail1234.ts.net.",
          List.of("100.64.0.9"),
          Set.of(),
          "macOS",
          false,
          Instant.parse("2026-12-04T20:00:00Z"));

  static final PeerList PEERS = PeerList.of("tail1234.ts.net", List.of(PROD, WEB, LAPTOP), NOW);

  static Allowlist allowlist(String... rules) throws RuleSyntaxException {
    return Allowlist.parse(List.of(rules), () -> "tail1234.ts.net").withPeers(() -> PEERS);
  }

  @ParameterizedTest(name = "{0}:{1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          db-1.tail1234.ts.net  | 22  | true
          DB-1.tail1234.ts.net. | 22  | true
          db-1                  | 22  | true
          100.64.0.7            | 22  | true
          1681915911            | 22  | true
          ::ffff:100.64.0.7     | 22  | true
          [fd7a:115c:a1e0::7]   | 22  | true
          db-1.tail1234.ts.net  | 23  | false
          web-1.tail1234.ts.net | 22  | false
          100.64.0.8            | 22  | false
          100.64.0.99           | 22  | false
          db-1.example.com      | 22  | false
          """)
  void tagRuleAdmitsTheTaggedPeerByNameShortNameAndAnyAddress(
      String host, int port, boolean allowed) throws RuleSyntaxException {
    Decision decision = allowlist("tag:prod:22").decide(host, port);

    assertThat(decision.allowed()).as(decision.reason()).isEqualTo(allowed);
    assertThat(decision.rule()).isEqualTo(allowed ? "tag:prod:22" : null);
  }

  @Test
  void tagRuleTakesAPortList() throws RuleSyntaxException {
    Allowlist rules = allowlist("tag:web:80,443");

    assertThat(rules.decide("web-1", 443).allowed()).isTrue();
    assertThat(rules.decide("100.64.0.8", 80).allowed()).isTrue();
    assertThat(rules.decide("web-1", 22).allowed()).isFalse();
  }

  @Test
  void osRuleAdmitsPeersRunningThatOs() throws RuleSyntaxException {
    Allowlist rules = allowlist("os:linux:22", "os:MACOS");

    assertThat(rules.decide("db-1", 22).rule()).isEqualTo("os:linux:22");
    assertThat(rules.decide("web-1", 22).allowed()).isFalse();
    assertThat(rules.decide("100.64.0.9", 5900).rule()).isEqualTo("os:MACOS");
  }

  @Test
  void aTagDenyCannotBeBypassedByDiallingTheAddressAndANameRuleStillWorks()
      throws RuleSyntaxException {
    Allowlist rules = allowlist("tag:web:443", "laptop.tail1234.ts.net:22");

    assertThat(rules.decide("100.64.0.7", 443).allowed()).isFalse(); // db-1 is not tag:web
    assertThat(rules.decide("laptop.tail1234.ts.net", 22).allowed()).isTrue();
  }

  @Test
  void beforeThePeerListIsKnownTagRulesMatchNothingAndTheReasonSaysSo() throws RuleSyntaxException {
    AtomicReference<PeerList> live = new AtomicReference<>(PeerList.UNKNOWN);
    Allowlist rules =
        Allowlist.parse(List.of("tag:prod:22"), () -> "tail1234.ts.net").withPeers(live::get);

    Decision before = rules.decide("db-1.tail1234.ts.net", 22);
    assertThat(before.allowed()).isFalse();
    assertThat(before.reason())
        .isEqualTo(
            "no allow rule matches db-1.tail1234.ts.net:22"
                + " (tag and os rules match nothing until tailscaled lists its peers)");

    live.set(PEERS);
    assertThat(rules.decide("db-1.tail1234.ts.net", 22).allowed()).isTrue();
    assertThat(rules.decide("web-1", 22).reason()).isEqualTo("no allow rule matches web-1:22");
  }

  @Test
  void aParsedAllowlistSeesNoPeers() throws RuleSyntaxException {
    assertThat(Allowlist.parse(List.of("tag:prod")).decide("100.64.0.7", 22).allowed()).isFalse();
  }

  @Test
  void reportModeLetsThroughWhatATagRuleRefuses() throws RuleSyntaxException {
    Decision d = allowlist("tag:prod:22").in(Allowlist.Mode.REPORT).decide("web-1", 22);

    assertThat(d.verdict()).isEqualTo("would_deny");
    assertThat(allowlist("tag:prod:22").decide("web-1", 22).verdict()).isEqualTo("deny");
  }

  @Test
  void aTagRuleNeverAdmitsASpecialTarget() throws RuleSyntaxException {
    PeerList odd =
        PeerList.of(
            "tail1234.ts.net",
            List.of(
                new PeerList.Peer(
                    "x.tail1234.ts.net",
                    List.of("127.0.0.1"),
                    Set.of("tag:prod"),
                    "linux",
                    true,
                    null)),
            NOW);
    Allowlist rules = Allowlist.parse(List.of("tag:prod")).withPeers(() -> odd);

    assertThat(rules.decide("127.0.0.1", 22).rule()).isEqualTo("builtin:loopback");
  }

  @Test
  void ruleAdmittingNamesTheFirstRuleForAPeerOnAnyPort() throws RuleSyntaxException {
    Allowlist rules = allowlist("web-1.tail1234.ts.net:443", "tag:prod:22", "os:linux");

    assertThat(rules.ruleAdmitting("db-1.tail1234.ts.net")).isEqualTo("tag:prod:22");
    assertThat(rules.ruleAdmitting("web-1.tail1234.ts.net")).isEqualTo("web-1.tail1234.ts.net:443");
    assertThat(rules.ruleAdmitting("laptop.tail1234.ts.net")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tag:prod", "tag:prod:22", "TAG:Prod:80,443", "tag:a-1:*", "os:linux:22"})
  void acceptsTagAndOsRules(String rule) throws RuleSyntaxException {
    assertThat(Allowlist.parse(List.of(rule)).rules()).containsExactly(rule);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          tag:         | tag name '' must be a letter
          tag::22      | tag name '' must be a letter
          tag:1abc:22  | tag name '1abc' must be a letter
          tag:a_b      | tag name 'a_b' must be a letter
          tag:*:22     | tag name '*' must be a letter
          os:li nux    | OS name 'li nux' must be a letter
          tag:prod:x   | x
          tag:prod:0   | 0
          """)
  void refusesMalformedTagAndOsRulesNamingTheRule(String rule, String fragment) {
    assertThatThrownBy(() -> Allowlist.parse(List.of(rule)))
        .isInstanceOf(RuleSyntaxException.class)
        .hasMessageContaining(rule.strip())
        .hasMessageContaining(fragment);
  }
}
