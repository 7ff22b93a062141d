package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RuleSyntaxTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "*",
        "*:*",
        "*:22",
        "tailnet",
        "TAILNET:22",
        "db1",
        "db1.example.ts.net",
        "db1.example.ts.net.",
        "db1.example.ts.net:22",
        "*.example.ts.net",
        "*.example.ts.net:22,443",
        "100.64.0.7",
        "100.64.0.7:22",
        "[fd7a:115c:a1e0::1]:22",
        "[fd7a:115c:a1e0::1]",
        "fd7a:115c:a1e0::1",
        "::1",
        "::",
        "100.64.0.0/10",
        "100.64.0.0/10:22",
        "fd7a:115c:a1e0::/48",
        "fd7a:115c:a1e0::/48:22",
        "[fd7a::]/48",
        "[fd7a::]/48:8000-8100",
        "0.0.0.0/0",
        "::/0",
        "db1:22,443,8000-8100",
        "db1:1-65535",
        "db1:22,*",
        "  db1:22  ",
      })
  void acceptsEveryRuleFormAndKeepsItsText(String rule) throws RuleSyntaxException {
    Allowlist allowlist = Allowlist.parse(List.of(rule));

    assertThat(allowlist.rules()).containsExactly(rule);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          db1:99999         | port 99999 is out of range 1-65535
          db1:0             | port 0 is out of range 1-65535
          db1:65536         | port 65536 is out of range 1-65535
          db1:12345678901   | port 12345678901 is out of range 1-65535
          db1:8100-8000     | port range 8100-8000 is reversed
          db1:22,,443       | port list '22,,443' has an empty item
          db1:22,           | port list '22,' has an empty item
          db1:,22           | port list ',22' has an empty item
          db1:              | port list after ':' is empty
          db1:ssh           | port 'ssh' is not a number
          db1:+22           | port '+22' is not a number
          db1:22 ,443       | port '22 ' is not a number
          db1:*,ssh         | port 'ssh' is not a number
          db1:-22           | port range '-22' has an empty end
          db1:22-           | port range '22-' has an empty end
          db1:1-2-3         | port '2-3' is not a number
          :22               | host is empty
          db1..example:22   | invalid host 'db1..example': name has an empty label
          bad!host:22       | invalid host 'bad!host': character '!' is not allowed in a name
          256.1.1.1:22      | invalid host '256.1.1.1': IPv4 part 256 is out of range 0-255
          *db1              | '*' must be the whole host or start a suffix, as in *.example.ts.net
          db*.example       | '*' must be the whole host or start a suffix, as in *.example.ts.net
          *.*.example       | invalid host '*.example': character '*' is not allowed in a name
          *.                | invalid host '': host is empty
          *.10.0.0.1        | wildcard suffix '*.10.0.0.1' must end in a name, not an address
          [fd7a::1          | '[' without a closing ']'
          [fd7a::1]22       | unexpected '22' after ']'
          [db1]:22          | invalid host '[db1]': not a valid IPv6 address
          [100.64.0.7]:22   | invalid host '[100.64.0.7]': not a valid IPv6 address
          fd7a::1::2        | invalid host 'fd7a::1::2': not a valid IPv6 address
          db1:22:33         | invalid host 'db1:22:33': not a valid IPv6 address
          10.0.0.0/33       | prefix length 33 is out of range 0-32
          fd7a::/129        | prefix length 129 is out of range 0-128
          10.0.0.0/         | prefix length '' is not a number
          10.0.0.0/x        | prefix length 'x' is not a number
          10.0.0.0/-1       | prefix length '-1' is not a number
          10.0.0.0/8:       | port list after ':' is empty
          10.1.2.3/8        | address has bits set beyond the /8 prefix; did you mean 10.0.0.0/8?
          fd7a::1/48        | address has bits set beyond the /48 prefix; did you mean fd7a::/48?
          db1/8             | CIDR base 'db1' is not an IP address
          ::ffff:10.0.0.0/8 | IPv4-mapped CIDR '::ffff:10.0.0.0/8' needs a prefix of 96+
          "   "             | rule is empty
          ""                | rule is empty
          """)
  void refusesBadRuleWithOneLineNamingTheRuleAndTheProblem(String rule, String problem) {
    String text = rule == null ? "" : rule;

    assertThatThrownBy(() -> Allowlist.parse(List.of("ok.example", text)))
        .isInstanceOfSatisfying(
            RuleSyntaxException.class,
            e -> {
              assertThat(e.ruleText()).isEqualTo(text);
              assertThat(e.problem()).isEqualTo(problem);
            })
        .hasMessage("bad rule " + Printable.quote(text) + ": " + problem);
  }

  @Test
  void messageMatchesTheDocumentedExample() {
    assertThatThrownBy(() -> Allowlist.parse(List.of("db1:99999")))
        .hasMessage("bad rule 'db1:99999': port 99999 is out of range 1-65535");
  }

  @Test
  void escapesControlCharactersSoTheMessageStaysOneLine() {
    assertThatThrownBy(() -> Allowlist.parse(List.of("db1\n:22")))
        .hasMessageStartingWith("bad rule 'db1\\u000a:22': ")
        .message()
        .doesNotContain("\n");
  }

  @Test
  void refusesMissingRule() {
    assertThatThrownBy(() -> Allowlist.parse(Arrays.asList("db1", null)))
        .isInstanceOf(RuleSyntaxException.class)
        .hasMessage("bad rule null: rule is missing");
  }

  @Test
  void acceptsRuleOf1024CharactersAndRefusesLongerShowingOnlyItsStart() throws RuleSyntaxException {
    String longest = "db1:22" + " ".repeat(1024 - 6);
    String tooLong = longest + " ";

    assertThat(Allowlist.parse(List.of(longest)).decide("db1", 22).allowed()).isTrue();
    assertThatThrownBy(() -> Allowlist.parse(List.of(tooLong)))
        .hasMessageEndingWith("...': rule is longer than 1024 characters")
        .message()
        .hasSizeLessThan(200);
  }

  @Test
  void acceptsSixtyFourPortItemsAndRefusesSixtyFive() throws RuleSyntaxException {
    String sixtyFour = IntStream.rangeClosed(1, 64).mapToObj(i -> "" + i).collect(joining());
    Allowlist allowlist = Allowlist.parse(List.of("db1:" + sixtyFour));

    assertThat(allowlist.decide("db1", 64).allowed()).isTrue();
    assertThat(allowlist.decide("db1", 65).allowed()).isFalse();
    assertThatThrownBy(() -> Allowlist.parse(List.of("db1:" + sixtyFour + ",65")))
        .hasMessageEndingWith(": port list has 65 items; at most 64 are allowed");
  }

  @Test
  void acceptsTenThousandRulesAndRefusesMore() throws RuleSyntaxException {
    List<String> rules = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      rules.add("host" + i + ".example:22");
    }
    Allowlist allowlist = Allowlist.parse(rules);
    assertThat(allowlist.decide("host9999.example", 22).rule()).isEqualTo("host9999.example:22");

    rules.add("one-too-many.example");
    assertThatThrownBy(() -> Allowlist.parse(rules))
        .isInstanceOf(RuleSyntaxException.class)
        .hasMessage("too many rules: 10001, at most 10000 are allowed");
  }

  @Test
  void keepsRulesInOrderAndImmutable() throws RuleSyntaxException {
    List<String> input = new ArrayList<>(List.of("b.example", "a.example:22", "*"));
    Allowlist allowlist = Allowlist.parse(input);
    input.clear();

    assertThat(allowlist.rules()).containsExactly("b.example", "a.example:22", "*");
    assertThatThrownBy(() -> allowlist.rules().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void emptyRuleListIsValid() throws RuleSyntaxException {
    assertThat(Allowlist.parse(Collections.emptyList()).rules()).isEmpty();
  }

  private static java.util.stream.Collector<CharSequence, ?, String> joining() {
    return Collectors.joining(",");
  }
}
