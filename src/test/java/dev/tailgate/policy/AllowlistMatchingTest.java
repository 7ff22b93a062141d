package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AllowlistMatchingTest {

  @ParameterizedTest(name = "{0} vs {1}:{2} -> {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          db1.example.ts.net         | db1.example.ts.net        | 22    | true
          db1.example.ts.net         | db2.example.ts.net        | 22    | false
          db1.example.ts.net         | example.ts.net            | 22    | false
          db1                        | db1                       | 22    | true
          db1                        | db1.example.ts.net        | 22    | false
          *.example.ts.net           | db1.example.ts.net        | 22    | true
          *                          | anything.example          | 1     | true
          *                          | 8.8.8.8                   | 65535 | true
          *                          | 2001:db8::1               | 443   | true
          100.64.0.7                 | 100.64.0.7                | 22    | true
          100.64.0.7                 | 100.64.0.8                | 22    | false
          100.64.0.7                 | ::ffff:100.64.0.7         | 22    | true
          100.64.0.7                 | 1681915911                | 22    | true
          [fd7a:115c:a1e0::1]:22     | fd7a:115c:a1e0::1         | 22    | true
          [fd7a:115c:a1e0::1]:22     | [FD7A:115C:A1E0:0::1]     | 22    | true
          [fd7a:115c:a1e0::1]:22     | fd7a:115c:a1e0::2         | 22    | false
          fd7a:115c:a1e0::1          | fd7a:115c:a1e0::1         | 443   | true
          FD7A:115C:A1E0:0:0:0:0:1   | fd7a:115c:a1e0::1         | 443   | true
          100.64.0.0/10              | 100.64.0.0                | 22    | true
          100.64.0.0/10              | 100.127.255.255           | 22    | true
          100.64.0.0/10              | 100.128.0.0               | 22    | false
          100.64.0.0/10              | 100.63.255.255            | 22    | false
          100.64.0.0/10              | 100.64                    | 22    | false
          100.64.0.0/10              | 100.64.1                  | 22    | true
          100.64.0.0/10              | fd7a:115c:a1e0::1         | 22    | false
          fd7a:115c:a1e0::/48        | fd7a:115c:a1e0:ffff::1    | 22    | true
          fd7a:115c:a1e0::/48        | fd7a:115c:a1e1::1         | 22    | false
          fd7a:115c:a1e0::/48        | 100.64.0.1                | 22    | false
          fd7a:115c:a1e0::/48:22     | fd7a:115c:a1e0::1         | 22    | true
          [fd7a::]/16:22             | fd7a:1::1                 | 22    | true
          [fd7a::]/16:22             | fd7a:1::1                 | 80    | false
          [fd7a::]/16:22             | fd7b::1                   | 22    | false
          ::ffff:10.0.0.0/104        | 10.1.2.3                  | 22    | true
          ::ffff:10.0.0.0/104        | 11.1.2.3                  | 22    | false
          10.0.0.0/8                 | ::ffff:10.1.2.3           | 22    | true
          0.0.0.0/0                  | 8.8.8.8                   | 53    | true
          0.0.0.0/0                  | 2001:db8::1               | 53    | false
          ::/0                       | 2001:db8::1               | 443   | true
          ::/0                       | 8.8.8.8                   | 443   | false
          ::/0                       | db1.example               | 443   | false
          0.0.0.0/0                  | db1.example               | 443   | false
          100.64.0.7/32              | 100.64.0.7                | 22    | true
          100.64.0.7/32              | 100.64.0.6                | 22    | false
          """)
  void matchesEveryHostForm(String rule, String host, int port, boolean allowed)
      throws RuleSyntaxException {
    Decision decision = Allowlist.parse(List.of(rule)).decide(host, port);

    assertThat(decision.allowed()).isEqualTo(allowed);
    assertThat(decision.rule()).isEqualTo(allowed ? rule : null);
  }

  @ParameterizedTest(name = "{0} port {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          db1:22,443,8000-8100    | 22    | true
          db1:22,443,8000-8100    | 443   | true
          db1:22,443,8000-8100    | 8000  | true
          db1:22,443,8000-8100    | 8050  | true
          db1:22,443,8000-8100    | 8100  | true
          db1:22,443,8000-8100    | 21    | false
          db1:22,443,8000-8100    | 23    | false
          db1:22,443,8000-8100    | 7999  | false
          db1:22,443,8000-8100    | 8101  | false
          db1:8100,22             | 22    | true
          db1:20-30,25-40         | 35    | true
          db1:20-30,25-40         | 41    | false
          db1:20-30,31-40         | 31    | true
          db1:22                  | 22    | true
          db1:22                  | 2222  | false
          db1:*                   | 1     | true
          db1:*                   | 65535 | true
          db1                     | 1     | true
          db1                     | 65535 | true
          db1:1-65535             | 40000 | true
          db1:65535               | 65535 | true
          db1:22,*                | 9999  | true
          """)
  void matchesPortForms(String rule, int port, boolean allowed) throws RuleSyntaxException {
    assertThat(Allowlist.parse(List.of(rule)).decide("db1", port).allowed()).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          db1.example.ts.net          | DB1.EXAMPLE.TS.NET.      | true
          DB1.Example.TS.net.         | db1.example.ts.net       | true
          DB1.Example.TS.net.         | Db1.Example.Ts.Net       | true
          *.Example.TS.net.           | a.example.ts.net.        | true
          *.example.ts.net            | A.B.EXAMPLE.TS.NET       | true
          db1.example.ts.net          | db1.example.ts.net..     | false
          """)
  void matchesNamesIgnoringCaseAndOneTrailingDot(String rule, String host, boolean allowed)
      throws RuleSyntaxException {
    assertThat(Allowlist.parse(List.of(rule)).decide(host, 22).allowed()).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "*.example.ts.net vs {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          db1.example.ts.net           | true
          a.b.example.ts.net           | true
          example.ts.net               | false
          example.ts.net.              | false
          badexample.ts.net            | false
          example.ts.net.evil.example  | false
          ts.net                       | false
          """)
  void suffixRuleMatchesNamesBelowItButNotTheApex(String host, boolean allowed)
      throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*.example.ts.net"));

    assertThat(allowlist.decide(host, 22).allowed()).isEqualTo(allowed);
  }

  @ParameterizedTest(name = "{1}:{2} -> {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          db1:22; *.example:22; *:443           | db1          | 22  | db1:22
          db1:22; *.example:22; *:443           | a.example    | 22  | *.example:22
          db1:22; *.example:22; *:443           | a.example    | 443 | *:443
          db1:22; *.example:22; *:443           | db1          | 443 | *:443
          *:22; db1:22                         | db1          | 22  | *:22
          *.example:80; a.example:22; *:*       | a.example    | 22  | a.example:22
          *.example:80; a.example:22; *:*       | a.example    | 80  | *.example:80
          db1:22; db1:80; db1                   | db1          | 80  | db1:80
          db1:22; db1:80; db1                   | db1          | 81  | db1
          db1; DB1.                            | db1          | 22  | db1
          100.64.0.0/10; 100.64.0.7:22         | 100.64.0.7   | 22  | 100.64.0.0/10
          100.64.0.7:22; 100.64.0.0/10         | 100.64.0.7   | 22  | 100.64.0.7:22
          100.64.0.7:80; 100.64.0.0/10:22      | 100.64.0.7   | 22  | 100.64.0.0/10:22
          """)
  void firstMatchingRuleWinsAndIsRecorded(String rules, String host, int port, String winner)
      throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(Arrays.asList(rules.split(";\\s*")));

    Decision decision = allowlist.decide(host, port);

    assertThat(decision.allowed()).isTrue();
    assertThat(decision.rule()).isEqualTo(winner);
    assertThat(decision.reason()).isEqualTo("allowed by rule '" + winner + "'");
  }

  @Test
  void deniesByDefaultNamingTheTarget() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("db1.example.ts.net:22"));

    Decision decision = allowlist.decide("DB9.example.ts.net.", 22);

    assertThat(decision)
        .isEqualTo(
            new Decision(
                false,
                null,
                "no allow rule matches db9.example.ts.net:22",
                NormalizedHost.of("db9.example.ts.net")));
  }

  @Test
  void emptyAllowlistDeniesEverything() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of());

    assertThat(allowlist.decide("8.8.8.8", 53).reason())
        .isEqualTo("no allow rule matches 8.8.8.8:53");
    assertThat(allowlist.decide("fd7a:115c:a1e0::1", 22).reason())
        .isEqualTo("no allow rule matches [fd7a:115c:a1e0::1]:22");
  }

  @Test
  void allowedDecisionCarriesTheNormalizedTargetToSendUpstream() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("100.64.0.0/10:22", "*.example.ts.net"));

    Decision byAddress = allowlist.decide("0x64400007", 22);
    Decision byName = allowlist.decide("DB1.Example.TS.net.", 5432);

    assertThat(byAddress.target().upstreamHost()).isEqualTo("100.64.0.7");
    assertThat(byAddress.target().address()).isPresent();
    assertThat(byName.target().upstreamHost()).isEqualTo("db1.example.ts.net");
    assertThat(byName.target().address()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          256.1.1.1             | invalid host '256.1.1.1': IPv4 part 256 is out of range 0-255
          99999999999           | invalid host '99999999999': IPv4 part '99999999999' is too large for an IPv4 address
          1.2.3.4.5             | invalid host '1.2.3.4.5': looks like an IPv4 address but has more than 4 parts
          bad host              | invalid host 'bad host': character ' ' is not allowed
          *.example             | invalid host '*.example': character '*' is not allowed in a name
          ""                    | invalid host '': host is empty
          [::1                  | invalid host '[::1': '[' without a closing ']'
          db1:22                | invalid host 'db1:22': not a valid IPv6 address
          """)
  void deniesInvalidHostWithReasonAndNoException(String host, String reason)
      throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*"));

    Decision decision = allowlist.decide(host == null ? "" : host, 22);

    assertThat(decision).isEqualTo(new Decision(false, null, reason, null));
  }

  @Test
  void deniesNullHostAndOutOfRangePortWithoutException() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*"));

    assertThat(allowlist.decide(null, 22))
        .isEqualTo(new Decision(false, null, "invalid host null: host is empty", null));
    assertThat(allowlist.decide("db1", 0).reason()).isEqualTo("port 0 is out of range 1-65535");
    assertThat(allowlist.decide("db1", 65536).allowed()).isFalse();
    assertThat(allowlist.decide("db1", -1).allowed()).isFalse();
  }

  @Test
  void reasonForHostileHostIsOnePrintableLine() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("*"));

    String reason = allowlist.decide("evil\r\n<script>" + "x".repeat(500), 22).reason();

    assertThat(reason).matches("[\\x20-\\x7e]*").hasSizeLessThan(200);
  }
}
