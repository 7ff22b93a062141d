package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Split routing: {@code via direct} and {@code via tailscale} after a rule. */
class DirectRouteTest {
  private static final List<String> RULES =
      List.of(
          "deb.debian.org:80 via direct",
          "*.pypi.org:80,443   VIA   Direct",
          "web.example.ts.net:80 via tailscale",
          "tailnet",
          "127.0.0.1:8080 via direct");

  @ParameterizedTest(name = "{0}:{1} -> allowed {2}, direct {3}")
  @CsvSource({
    "deb.debian.org, 80, true, true",
    "deb.debian.org, 443, false, false",
    "files.pypi.org, 443, true, true",
    "web.example.ts.net, 80, true, false",
    "100.64.0.7, 22, true, false",
    "127.0.0.1, 8080, true, true",
    "example.com, 80, false, false",
  })
  void aRuleSaysWhichWayItsTargetsGo(String host, int port, boolean allowed, boolean direct)
      throws Exception {
    Decision decision = Allowlist.parse(RULES).decide(host, port);

    assertThat(decision.allowed()).as(decision.reason()).isEqualTo(allowed);
    assertThat(decision.direct()).isEqualTo(direct);
  }

  @Test
  void theRuleKeepsItsTextInLogsAndReasons() throws Exception {
    Decision decision = Allowlist.parse(RULES).decide("deb.debian.org", 80);

    assertThat(decision.rule()).isEqualTo("deb.debian.org:80 via direct");
    assertThat(Allowlist.parse(RULES).rules()).isEqualTo(RULES);
  }

  @Test
  void aWouldDenyInReportModeGoesTheDefaultWay() throws Exception {
    Decision decision = Allowlist.parse(RULES).in(Allowlist.Mode.REPORT).decide("example.com", 80);

    assertThat(decision.wouldDeny()).isTrue();
    assertThat(decision.direct()).isFalse();
  }

  @Test
  void aBroadDirectRuleStillRefusesSpecialTargets() throws Exception {
    Allowlist all = Allowlist.parse(List.of("* via direct"));

    assertThat(all.decide("169.254.169.254", 80).allowed()).isFalse();
    assertThat(all.decide("localhost", 80).allowed()).isFalse();
    assertThat(all.decide("example.com", 80).direct()).isTrue();
  }

  @Test
  void viaNeedsATargetBeforeItAndAKnownWayAfter() {
    assertThatThrownBy(() -> Allowlist.parse(List.of("via direct")))
        .isInstanceOf(RuleSyntaxException.class);
    assertThatThrownBy(() -> Allowlist.parse(List.of("example.com via socks")))
        .isInstanceOf(RuleSyntaxException.class);
  }

  @ParameterizedTest(name = "{0} -> {1} refused: {2}")
  @CsvSource({
    "evil.example, 127.0.0.1, true",
    "evil.example, 169.254.169.254, true",
    "evil.example, ::1, true",
    "evil.example, 0.0.0.0, true",
    "evil.example, 93.184.216.34, false",
    "localhost, 127.0.0.1, false",
    "127.0.0.1, 127.0.0.1, false",
  })
  void aNameThatResolvesToThisHostIsRefusedForADirectDial(
      String host, String address, boolean refused) {
    String refusal = Allowlist.refusesResolved(host, address);

    assertThat(refusal != null).as(String.valueOf(refusal)).isEqualTo(refused);
    if (refused) {
      assertThat(refusal).startsWith(host + " resolved to ");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tag:prod:22 via direct", "os:linux via direct", "tailnet:22 via direct"})
  void aRuleForTailnetPeersCannotGoDirect(String rule) {
    assertThatThrownBy(() -> Allowlist.parse(List.of(rule)))
        .isInstanceOf(RuleSyntaxException.class)
        .hasMessageContaining("through tailscaled only");
  }
}
