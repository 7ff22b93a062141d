package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecialTargetTest {

  @ParameterizedTest(name = "{0} under {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          127.0.0.1          | *:*        | builtin:loopback
          127.255.255.254    | *:*        | builtin:loopback
          ::1                | *:*        | builtin:loopback
          [::1]              | *:*        | builtin:loopback
          169.254.169.254    | *:*        | builtin:link-local
          169.254.1.1        | *:*        | builtin:link-local
          fe80::1            | *:*        | builtin:link-local
          fe80::1%eth0       | *:*        | builtin:link-local
          febf:ffff::1       | *:*        | builtin:link-local
          0.0.0.0            | *:*        | builtin:unspecified
          0.1.2.3            | *:*        | builtin:unspecified
          ::                 | *:*        | builtin:unspecified
          localhost          | *:*        | builtin:localhost
          LOCALHOST.         | *:*        | builtin:localhost
          app.localhost      | *:*        | builtin:localhost
          127.0.0.1          | 0.0.0.0/0  | builtin:loopback
          169.254.169.254    | 0.0.0.0/0  | builtin:link-local
          0.0.0.0            | 0.0.0.0/0  | builtin:unspecified
          ::1                | ::/0       | builtin:loopback
          fe80::1            | ::/0       | builtin:link-local
          ::                 | ::/0       | builtin:unspecified
          127.0.0.1          | 126.0.0.0/7 | builtin:loopback
          169.254.169.254    | 169.254.0.0/15 | builtin:link-local
          fe80::1            | fe80::/9   | builtin:link-local
          0.0.0.0            | 0.0.0.0/7  | builtin:unspecified
          app.localhost      | *.app.localhost.example | -
          """)
  void refusesSpecialTargetUnderABroadRule(String host, String rule, String builtin)
      throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of(rule)).decide(host, 8080);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.rule()).isEqualTo(builtin.equals("-") ? null : builtin);
  }

  @ParameterizedTest(name = "{1} allows {0}:{2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          127.0.0.1          | 127.0.0.0/8:*        | 5432
          127.0.0.1          | 127.0.0.1:8080       | 8080
          2130706433         | 127.0.0.1:8080       | 8080
          127.0.0.1          | 127.0.0.0/24         | 80
          169.254.169.254    | 169.254.169.254:80   | 80
          0xa9fea9fe         | 169.254.169.254:80   | 80
          169.254.1.1        | 169.254.0.0/16       | 80
          ::1                | [::1]:22             | 22
          ::1                | ::1                  | 22
          fe80::1%eth0       | fe80::/10            | 22
          fe80::1            | [fe80::]/64:22       | 22
          0.0.0.0            | 0.0.0.0              | 80
          0.0.0.0            | 0.0.0.0/8            | 80
          ::                 | ::                   | 80
          localhost          | localhost            | 80
          LOCALHOST.         | localhost:3000       | 3000
          app.localhost      | *.localhost          | 80
          app.localhost      | app.localhost        | 80
          """)
  void allowsSpecialTargetWhenARuleNamesIt(String host, String rule, int port)
      throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of("*:*", "0.0.0.0/0", rule)).decide(host, port);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.rule()).isEqualTo(rule);
  }

  @ParameterizedTest(name = "{0} refused as {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          127.0.0.1                | builtin:loopback
          127.0.0.1.               | builtin:loopback
          2130706433               | builtin:loopback
          0x7f000001               | builtin:loopback
          0X7F000001               | builtin:loopback
          0x7f.0x0.0x0.0x1         | builtin:loopback
          0x7f.1                   | builtin:loopback
          0177.0.0.1               | builtin:loopback
          0177.0000.0000.0001      | builtin:loopback
          017700000001             | builtin:loopback
          127.1                    | builtin:loopback
          127.0.1                  | builtin:loopback
          ::ffff:127.0.0.1         | builtin:loopback
          [::ffff:127.0.0.1]       | builtin:loopback
          ::ffff:7f00:1            | builtin:loopback
          0:0:0:0:0:ffff:7f00:1    | builtin:loopback
          169.254.169.254          | builtin:link-local
          169.254.169.254.         | builtin:link-local
          2852039166               | builtin:link-local
          0xa9fea9fe               | builtin:link-local
          0xA9FEA9FE               | builtin:link-local
          0xa9.0xfe.0xa9.0xfe      | builtin:link-local
          0251.0376.0251.0376      | builtin:link-local
          025177524776             | builtin:link-local
          169.16689662             | builtin:link-local
          169.254.43518            | builtin:link-local
          0xa9.254.0251.0xfe       | builtin:link-local
          ::ffff:169.254.169.254   | builtin:link-local
          ::ffff:a9fe:a9fe         | builtin:link-local
          [::ffff:a9fe:a9fe]       | builtin:link-local
          """)
  void refusesEveryDisguiseOfLoopbackAndMetadataUnderStar(String host, String builtin)
      throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*", "*.example.ts.net"));

    Decision decision = allowlist.decide(host, 80);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.rule()).isEqualTo(builtin);
  }

  @Test
  void explainsTheMetadataRefusal() throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of("*")).decide("0xa9fea9fe", 80);

    assertThat(decision.reason())
        .isEqualTo(
            "169.254.169.254 is link-local (cloud metadata); refused unless a rule names it");
    assertThat(decision.target().upstreamHost()).isEqualTo("169.254.169.254");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          127.0.0.1        | 127.0.0.1 is loopback (this host); refused unless a rule names it
          ::1              | ::1 is loopback (this host); refused unless a rule names it
          169.254.1.1      | 169.254.1.1 is link-local; refused unless a rule names it
          fe80::1%eth0     | fe80::1 is link-local; refused unless a rule names it
          0.0.0.0          | 0.0.0.0 is unspecified (this host); refused unless a rule names it
          Localhost.       | localhost is a localhost name (this host); refused unless a rule names it
          """)
  void explainsEachBuiltinRefusal(String host, String reason) throws RuleSyntaxException {
    assertThat(Allowlist.parse(List.of("*")).decide(host, 80).reason()).isEqualTo(reason);
  }

  @Test
  void aNamingRuleLaterInTheListStillAllows() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*:*", "db1:22", "127.0.0.1:8080"));

    assertThat(allowlist.decide("127.0.0.1", 8080).rule()).isEqualTo("127.0.0.1:8080");
    assertThat(allowlist.decide("127.0.0.1", 22).rule()).isEqualTo("builtin:loopback");
  }

  @Test
  void aNamingRuleForAnotherPortLeavesNoRuleMatching() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("127.0.0.1:8080"));

    Decision decision = allowlist.decide("127.0.0.1", 22);

    assertThat(decision.rule()).isNull();
    assertThat(decision.reason()).isEqualTo("no allow rule matches 127.0.0.1:22");
  }

  @Test
  void theNameLocalhostDoesNotNameLoopbackAddresses() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(Arrays.asList("localhost", "*"));

    assertThat(allowlist.decide("localhost", 80).allowed()).isTrue();
    assertThat(allowlist.decide("127.0.0.1", 80).rule()).isEqualTo("builtin:loopback");
  }

  @Test
  void namingOneSpecialRangeDoesNotOpenAnother() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("127.0.0.0/8", "*"));

    assertThat(allowlist.decide("127.0.0.53", 53).allowed()).isTrue();
    assertThat(allowlist.decide("169.254.169.254", 80).rule()).isEqualTo("builtin:link-local");
    assertThat(allowlist.decide("::1", 80).rule()).isEqualTo("builtin:loopback");
  }

  @Test
  void ordinaryTargetsAreStillAllowedByBroadRules() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*"));

    assertThat(allowlist.decide("128.0.0.1", 80).allowed()).isTrue();
    assertThat(allowlist.decide("169.255.0.1", 80).allowed()).isTrue();
    assertThat(allowlist.decide("1.0.0.0", 80).allowed()).isTrue();
    assertThat(allowlist.decide("fec0::1", 80).allowed()).isTrue();
    assertThat(allowlist.decide("::2", 80).allowed()).isTrue();
    assertThat(allowlist.decide("localhost.example", 80).allowed()).isTrue();
    assertThat(allowlist.decide("notlocalhost", 80).allowed()).isTrue();
  }

  @ParameterizedTest(name = "{0} refused as {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          64:ff9b::7f00:1              | builtin:loopback
          64:ff9b::127.0.0.1           | builtin:loopback
          [64:ff9b::7f00:1]            | builtin:loopback
          64:ff9b::a9fe:a9fe           | builtin:link-local
          64:ff9b::169.254.169.254     | builtin:link-local
          64:ff9b::a9fe:101            | builtin:link-local
          64:ff9b::                    | builtin:unspecified
          64:ff9b::1.2.3.4             | -
          64:ff9b:1::7f00:1            | builtin:loopback
          64:ff9b:1:7f00:0:100::       | builtin:loopback
          64:ff9b:1:7f:0:100::         | builtin:loopback
          64:ff9b:1:0:7f:0:100:0       | builtin:loopback
          64:ff9b:1:a9fe:a9:fe00::     | builtin:link-local
          ::127.0.0.1                  | builtin:loopback
          ::7f00:1                     | builtin:loopback
          ::169.254.169.254            | builtin:link-local
          ::ffff:0:127.0.0.1           | builtin:loopback
          ::ffff:0:a9fe:a9fe           | builtin:link-local
          2002:7f00:1::                | builtin:loopback
          2002:7f00:1:1234::5          | builtin:loopback
          2002:a9fe:a9fe::1            | builtin:link-local
          2002::1                      | builtin:unspecified
          """)
  void refusesIpv6FormsOfSpecialIpv4AddressesUnderEveryBroadRule(String host, String builtin)
      throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*:*", "0.0.0.0/0", "::/0"));

    Decision decision = allowlist.decide(host, 80);

    if (builtin.equals("-")) {
      assertThat(decision.allowed()).as(decision.reason()).isTrue();
    } else {
      assertThat(decision.allowed()).as(decision.reason()).isFalse();
      assertThat(decision.rule()).isEqualTo(builtin);
    }
  }

  @Test
  void refusesNat64FormOfMetadataAddress() throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of("*")).decide("64:ff9b::169.254.169.254", 80);

    assertThat(decision.allowed()).isFalse();
    assertThat(decision.rule()).isEqualTo("builtin:link-local");
    assertThat(decision.reason())
        .isEqualTo(
            "64:ff9b::a9fe:a9fe is the NAT64 form of 169.254.169.254, link-local (cloud"
                + " metadata); refused unless a rule names it");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ::127.0.0.1        | ::7f00:1 is the IPv4-compatible form of 127.0.0.1, loopback (this host); refused unless a rule names it
          2002:7f00:1::      | 2002:7f00:1:: is the 6to4 form of 127.0.0.1, loopback (this host); refused unless a rule names it
          64:ff9b:1::a9fe:1  | 64:ff9b:1::a9fe:1 is the NAT64 local-use form of 169.254.0.1, link-local; refused unless a rule names it
          ::ffff:0:0.0.0.0   | ::ffff:0:0:0 is the IPv4-translated form of 0.0.0.0, unspecified (this host); refused unless a rule names it
          """)
  void namesTheFormAndTheIpv4AddressInTheRefusal(String host, String reason)
      throws RuleSyntaxException {
    assertThat(Allowlist.parse(List.of("*")).decide(host, 80).reason()).isEqualTo(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      textBlock =
          """
          64:ff9b::808:808
          64:ff9b::100.64.0.1
          64:ff9b:1::808:808
          ::8.8.8.8
          ::2
          ::ffff:0:8.8.8.8
          2002:808:808::1
          2003:7f00:1::
          64:ff9c::7f00:1
          """)
  void allowsIpv6FormsOfOrdinaryIpv4AddressesUnderABroadRule(String host)
      throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of("*")).decide(host, 80);

    assertThat(decision.allowed()).as(decision.reason()).isTrue();
  }

  @ParameterizedTest(name = "{1} allows {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          64:ff9b::7f00:1      | 64:ff9b::7f00:1
          64:ff9b::7f00:1      | [64:ff9b::7f00:0]/104:*
          64:ff9b::a9fe:a9fe   | [64:ff9b::a9fe:a9fe]:80
          ::127.0.0.1          | ::7f00:0/104
          2002:7f00:1::        | 2002:7f00::/24
          64:ff9b:1::7f00:1    | 64:ff9b:1::7f00:1
          """)
  void allowsIpv6FormOfSpecialAddressWhenARuleNamesIt(String host, String rule)
      throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of("*:*", "::/0", rule)).decide(host, 80);

    assertThat(decision.allowed()).as(decision.reason()).isTrue();
    assertThat(decision.rule()).isEqualTo(rule);
  }

  @ParameterizedTest(name = "{0} does not name {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ::/104              | ::1
          ::/96               | ::127.0.0.1
          64:ff9b::/96        | 64:ff9b::7f00:1
          64:ff9b:1::/48      | 64:ff9b:1::7f00:1
          [64:ff9b::7e00:0]/103 | 64:ff9b::7f00:1
          2002::/16           | 2002:7f00:1::
          """)
  void aRuleWiderThanTheImageOfASpecialBlockDoesNotNameIt(String rule, String host)
      throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of(rule)).decide(host, 80);

    assertThat(decision.allowed()).as(decision.reason()).isFalse();
    assertThat(decision.rule()).startsWith("builtin:");
  }
}
