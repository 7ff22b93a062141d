package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Rules that name the local uids they admit: {@code ... from uid 1000[,1001]}, decision 0017. */
class ClientUidRuleTest {
  private static final List<String> RULES =
      List.of(
          "db.example.ts.net:22 from uid 1000",
          "*.example.ts.net:443 FROM UID 1000, 1001",
          "deb.debian.org:80 via direct from uid 0",
          "web.example.ts.net:80");

  @ParameterizedTest(name = "{0}:{1} for uid {2} -> allowed {3}")
  @CsvSource({
    "db.example.ts.net, 22, 1000, true",
    "db.example.ts.net, 22, 1001, false",
    "db.example.ts.net, 22, 0, false",
    "db.example.ts.net, 22, -1, false",
    "db.example.ts.net, 80, 1000, false",
    "api.example.ts.net, 443, 1001, true",
    "api.example.ts.net, 443, 1002, false",
    "deb.debian.org, 80, 0, true",
    "deb.debian.org, 80, 1000, false",
    "web.example.ts.net, 80, -1, true",
    "web.example.ts.net, 80, 1000, true",
  })
  void aUidRuleAdmitsOnlyTheUidsItNames(String host, int port, int uid, boolean allowed)
      throws Exception {
    Decision decision = Allowlist.parse(RULES).decide(host, port, uid);

    assertThat(decision.allowed()).as(decision.reason()).isEqualTo(allowed);
  }

  @Test
  void theRuleKeepsItsWholeTextAndItsWay() throws Exception {
    Decision decision = Allowlist.parse(RULES).decide("deb.debian.org", 80, 0);

    assertThat(decision.rule()).isEqualTo("deb.debian.org:80 via direct from uid 0");
    assertThat(decision.direct()).isTrue();
  }

  @Test
  void listsTheNamedUidsATargetIsOpenTo() throws Exception {
    Allowlist list = Allowlist.parse(RULES);

    assertThat(list.uidsAdmitted("db.example.ts.net", 22, 8)).containsExactly(1000);
    assertThat(list.uidsAdmitted("api.example.ts.net", 443, 8)).containsExactly(1000, 1001);
    assertThat(list.uidsAdmitted("api.example.ts.net", 443, 1)).containsExactly(1000);
    assertThat(list.uidsAdmitted("api.example.ts.net", 22, 8)).isEmpty();
    assertThat(Allowlist.parse(List.of("web.example.ts.net:80")).uidsAdmitted("web", 80, 8))
        .isEmpty();
  }

  @Test
  void aClientWithoutAUidIsNotAdmittedByAUidRule() throws Exception {
    Allowlist list = Allowlist.parse(RULES);

    assertThat(list.decide("db.example.ts.net", 22).allowed()).isFalse();
    assertThat(list.decide("db.example.ts.net", 22).reason())
        .isEqualTo(
            "no allow rule matches db.example.ts.net:22 for a client whose uid is not known");
    assertThat(list.decide("db.example.ts.net", 22, 1001).reason())
        .isEqualTo("no allow rule matches db.example.ts.net:22 for uid 1001");
  }

  @Test
  void aLaterRuleForAnyClientStillAdmitsOthers() throws Exception {
    Allowlist list = Allowlist.parse(List.of("tag:prod:22 from uid 1000", "db.example.ts.net:22"));

    assertThat(list.decide("db.example.ts.net", 22, 1001).rule()).isEqualTo("db.example.ts.net:22");
  }

  @Test
  void listsWithoutUidRulesKeepTheirReasonsAndSayTheyNeedNoUid() throws Exception {
    Allowlist list = Allowlist.parse(List.of("web.example.ts.net:80"));

    assertThat(list.namesUids()).isFalse();
    assertThat(Allowlist.parse(RULES).namesUids()).isTrue();
    assertThat(list.decide("other.example", 80, 1000).reason())
        .isEqualTo("no allow rule matches other.example:80");
  }

  @Test
  void aUidRuleDoesNotOpenSpecialTargets() throws Exception {
    Allowlist list = Allowlist.parse(List.of("* from uid 1000"));

    assertThat(list.decide("127.0.0.1", 22, 1000).allowed()).isFalse();
    assertThat(list.decide("169.254.169.254", 80, 1000).allowed()).isFalse();
    assertThat(list.decide("example.com", 80, 1000).allowed()).isTrue();
  }

  @Test
  void reportModeLetsAnotherUidThroughAsWouldDeny() throws Exception {
    Decision decision =
        Allowlist.parse(RULES).in(Allowlist.Mode.REPORT).decide("db.example.ts.net", 22, 1001);

    assertThat(decision.wouldDeny()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "db:22 from",
        "db:22 from uid",
        "db:22 from uid ",
        "db:22 from user alice",
        "db:22 from uid alice",
        "db:22 from uid -1",
        "db:22 from uid 1000,",
        "db:22 from uid 1000,,1001",
        "db:22 from uid 4294967295",
        "db:22 from uid 1000 via direct",
        "db:22 from uid 1000 1001",
        "from uid 1000",
        " from uid 1000",
        "tag:prod:22 via direct from uid 1000",
      })
  void aMalformedUidQualifierIsOneLineNamingTheRule(String text) {
    assertThatThrownBy(() -> Allowlist.parse(List.of(text)))
        .isInstanceOf(RuleSyntaxException.class)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain("\n")
                    .contains(text.strip().isEmpty() ? "" : text.strip().split(" ")[0]));
  }

  @Test
  void theErrorsSayWhatToWrite() {
    assertThatThrownBy(() -> Allowlist.parse(List.of("db:22 from user alice")))
        .hasMessageContaining("expected 'from uid N[,N...]'");
    assertThatThrownBy(() -> Allowlist.parse(List.of("db:22 from uid 1000 via direct")))
        .hasMessageContaining("'from uid' goes last");
    assertThatThrownBy(() -> Allowlist.parse(List.of("db:22 from uid abc")))
        .hasMessageContaining("uid 'abc' is not a number");
  }

  @Test
  void aUidListIsBounded() {
    String many = "1,".repeat(ClientUids.MAX_ITEMS) + "2";

    assertThatThrownBy(() -> Allowlist.parse(List.of("db:22 from uid " + many)))
        .hasMessageContaining("at most " + ClientUids.MAX_ITEMS);
  }
}
