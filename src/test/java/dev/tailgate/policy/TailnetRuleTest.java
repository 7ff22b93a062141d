package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TailnetRuleTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          100.64.0.0                  | true
          100.64.0.1                  | true
          100.101.102.103             | true
          100.127.255.255             | true
          1681915905                  | true
          ::ffff:100.64.0.1           | true
          fd7a:115c:a1e0::1           | true
          [fd7a:115c:a1e0:ab12::1]    | true
          fd7a:115c:a1e0:ffff:ffff:ffff:ffff:ffff | true
          db1.tail1234.ts.net         | true
          DB1.TAIL1234.TS.NET.        | true
          a.b.tail1234.ts.net         | true
          100.63.255.255              | false
          100.128.0.0                 | false
          10.0.0.1                    | false
          fd7a:115c:a1e1::1           | false
          fd7a:115c:a1df:ffff::1      | false
          tail1234.ts.net             | false
          db1.tail9999.ts.net         | false
          db1.example.ts.net          | false
          db1tail1234.ts.net          | false
          localhost                   | false
          """)
  void coversTailnetRangesAndNamesUnderTheMagicDnsSuffix(String host, boolean allowed)
      throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("tailnet"), () -> "tail1234.ts.net");

    Decision decision = allowlist.decide(host, 22);

    assertThat(decision.allowed()).isEqualTo(allowed);
    assertThat(decision.rule()).isEqualTo(allowed ? "tailnet" : null);
  }

  @Test
  void withoutAKnownSuffixCoversOnlyTheAddressRanges() throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("tailnet:22"));

    assertThat(allowlist.decide("100.64.0.1", 22).allowed()).isTrue();
    assertThat(allowlist.decide("fd7a:115c:a1e0::1", 22).allowed()).isTrue();
    assertThat(allowlist.decide("db1.tail1234.ts.net", 22).reason())
        .isEqualTo("no allow rule matches db1.tail1234.ts.net:22");
  }

  @Test
  void asksForTheSuffixAtDecideTimeSoItCanBeLearnedLater() throws RuleSyntaxException {
    AtomicReference<String> suffix = new AtomicReference<>();
    Allowlist allowlist = Allowlist.parse(List.of("tailnet"), suffix::get);

    assertThat(allowlist.decide("db1.tail1234.ts.net", 22).allowed()).isFalse();
    suffix.set("tail1234.ts.net");
    assertThat(allowlist.decide("db1.tail1234.ts.net", 22).allowed()).isTrue();
    suffix.set("tail5678.ts.net");
    assertThat(allowlist.decide("db1.tail1234.ts.net", 22).allowed()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tail1234.ts.net", "Tail1234.TS.net.", ".tail1234.ts.net"})
  void acceptsTheSuffixInAnyCaseWithOrWithoutDots(String suffix) throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("tailnet"), () -> suffix);

    assertThat(allowlist.decide("db1.tail1234.ts.net", 22).allowed()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not a suffix!", "100.64.0.1", "*"})
  void treatsAnUnusableSuffixAsUnknown(String suffix) throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of("tailnet"), () -> suffix);

    assertThat(allowlist.decide("db1.tail1234.ts.net", 22).allowed()).isFalse();
    assertThat(allowlist.decide("100.64.0.1", 22).allowed()).isTrue();
  }

  @Test
  void aFailingSuffixSupplierDeniesNamesWithoutThrowing() throws RuleSyntaxException {
    Allowlist allowlist =
        Allowlist.parse(
            List.of("tailnet"),
            () -> {
              throw new IllegalStateException("LocalAPI down");
            });

    assertThat(allowlist.decide("db1.tail1234.ts.net", 22).allowed()).isFalse();
    assertThat(allowlist.decide("100.64.0.1", 22).allowed()).isTrue();
  }

  @Test
  void doesNotAskForTheSuffixWhenNoRuleNeedsIt() throws RuleSyntaxException {
    Allowlist allowlist =
        Allowlist.parse(
            List.of("*.example.ts.net"),
            () -> {
              throw new AssertionError("suffix asked for without a tailnet rule");
            });

    assertThat(allowlist.decide("db1.example.ts.net", 22).allowed()).isTrue();
  }
}
