package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Report mode: what no rule admits goes ahead as would_deny; built-in refusals never do. */
class ReportModeDecisionTest {
  private static Allowlist report(String... rules) throws RuleSyntaxException {
    return Allowlist.parse(List.of(rules)).in(Allowlist.Mode.REPORT);
  }

  @Test
  void aTargetNoRuleAdmitsGoesAheadWithTheRefusalsReason() throws RuleSyntaxException {
    Decision d = report("db1.example.ts.net:22").decide("web1.example.ts.net", 443);

    assertThat(d.allowed()).isTrue();
    assertThat(d.wouldDeny()).isTrue();
    assertThat(d.verdict()).isEqualTo("would_deny");
    assertThat(d.rule()).isNull();
    assertThat(d.reason()).isEqualTo("no allow rule matches web1.example.ts.net:443");
    assertThat(d.target().upstreamHost()).isEqualTo("web1.example.ts.net");
  }

  @Test
  void anAdmittedTargetIsAnAllowAsInEnforceMode() throws RuleSyntaxException {
    Allowlist enforce = Allowlist.parse(List.of("db1.example.ts.net:22"));

    assertThat(enforce.in(Allowlist.Mode.REPORT).decide("db1.example.ts.net", 22))
        .isEqualTo(enforce.decide("db1.example.ts.net", 22));
    assertThat(enforce.decide("web1.example.ts.net", 22).verdict()).isEqualTo("deny");
  }

  @ParameterizedTest(name = "{0}:{1} under {2}")
  @CsvSource({
    "169.254.169.254, 80, *",
    "169.254.169.254, 80, db1.example.ts.net:22",
    "127.0.0.1, 22, *",
    "::1, 22, 0.0.0.0/0",
    "64:ff9b::a9fe:a9fe, 80, db1.example.ts.net:22",
    "0.0.0.0, 22, *",
    "fe80::1, 22, db1.example.ts.net:22",
    "localhost, 22, db1.example.ts.net:22",
    "api.localhost, 22, *",
  })
  void builtInRefusalsStayRefusals(String host, int port, String rule) throws RuleSyntaxException {
    Decision d = report(rule).decide(host, port);

    assertThat(d.allowed()).isFalse();
    assertThat(d.verdict()).isEqualTo("deny");
  }

  @Test
  void invalidHostsAndPortsStayRefusals() throws RuleSyntaxException {
    Allowlist allowlist = report("db1.example.ts.net:22");

    assertThat(allowlist.decide("bad host", 22).verdict()).isEqualTo("deny");
    assertThat(allowlist.decide("db9.example.ts.net", 0).verdict()).isEqualTo("deny");
    assertThat(allowlist.decide(null, 22).verdict()).isEqualTo("deny");
  }

  @Test
  void modesAreSpelledAsTheSettingsSpellThem() {
    assertThat(Allowlist.Mode.parse("report")).isEqualTo(Allowlist.Mode.REPORT);
    assertThat(Allowlist.Mode.parse("enforce")).isEqualTo(Allowlist.Mode.ENFORCE);
    assertThatThrownBy(() -> Allowlist.Mode.parse("REPORT"))
        .hasMessage("'REPORT' is not a mode: expected enforce or report");
  }
}
