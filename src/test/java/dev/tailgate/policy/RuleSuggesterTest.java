package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The suggested rules, loaded back into an allowlist, admit every logged target and none of a
 * sample of others; built-in refusals are never suggested.
 */
class RuleSuggesterTest {
  private static final String[][] LOGGED = {
    {"db1.tail1234.ts.net", "22"},
    {"db1.tail1234.ts.net", "5432"},
    {"db1.tail1234.ts.net", "5432"},
    {"web1.tail1234.ts.net", "22"},
    {"web1.tail1234.ts.net", "443"},
    {"web2.tail1234.ts.net", "22"},
    {"web2.tail1234.ts.net", "443"},
    {"ci.tail1234.ts.net", "22"},
    {"ci.tail1234.ts.net", "8080"},
    {"ci.tail1234.ts.net", "8081"},
    {"ci.tail1234.ts.net", "8082"},
    {"build.other.example", "22"},
    {"100.64.0.7", "22"},
    {"fd7a:115c:a1e0::9", "80"},
  };

  private static List<RuleSuggester.Suggestion> suggest(int minHosts, String[][] log) {
    RuleSuggester suggester = new RuleSuggester(minHosts);
    for (String[] target : log) {
      suggester.add(target[0], Integer.parseInt(target[1]));
    }
    return suggester.suggest();
  }

  private static Allowlist load(List<RuleSuggester.Suggestion> rules) throws RuleSyntaxException {
    return Allowlist.parse(rules.stream().map(RuleSuggester.Suggestion::rule).toList());
  }

  @Test
  void oneRulePerHostWithPortsMergedAndASuffixRuleForAPortManyShare() {
    assertThat(suggest(3, LOGGED))
        .containsExactly(
            new RuleSuggester.Suggestion("*.tail1234.ts.net:22", 4, 4),
            new RuleSuggester.Suggestion("ci.tail1234.ts.net:8080-8082", 3, 1),
            new RuleSuggester.Suggestion("db1.tail1234.ts.net:5432", 2, 1),
            new RuleSuggester.Suggestion("100.64.0.7:22", 1, 1),
            new RuleSuggester.Suggestion("[fd7a:115c:a1e0::9]:80", 1, 1),
            new RuleSuggester.Suggestion("build.other.example:22", 1, 1),
            new RuleSuggester.Suggestion("web1.tail1234.ts.net:443", 1, 1),
            new RuleSuggester.Suggestion("web2.tail1234.ts.net:443", 1, 1));
  }

  @Test
  void belowTheThresholdEachHostKeepsItsOwnRule() {
    assertThat(suggest(5, LOGGED))
        .extracting(RuleSuggester.Suggestion::rule)
        .contains("db1.tail1234.ts.net:22,5432", "web1.tail1234.ts.net:22,443")
        .noneMatch(r -> r.startsWith("*"));
  }

  @Test
  void theRulesAdmitEveryLoggedTargetAndNoneOfASampleOfOthers() throws RuleSyntaxException {
    for (int minHosts : new int[] {2, 3, 100}) {
      Allowlist allowlist = load(suggest(minHosts, LOGGED));

      for (String[] target : LOGGED) {
        assertThat(allowlist.decide(target[0], Integer.parseInt(target[1])).allowed())
            .as("%s:%s with min-hosts %d", target[0], target[1], minHosts)
            .isTrue();
      }
      String[][] others = {
        {"db1.tail1234.ts.net", "23"},
        {"ci.tail1234.ts.net", "8083"},
        {"web1.tail1234.ts.net", "80"},
        {"tail1234.ts.net", "22"},
        {"build.other.example", "2222"},
        {"other.example", "22"},
        {"100.64.0.8", "22"},
        {"100.64.0.7", "23"},
        {"fd7a:115c:a1e0::9", "443"},
        {"169.254.169.254", "80"},
        {"127.0.0.1", "22"},
        {"localhost", "22"},
      };
      for (String[] target : others) {
        assertThat(allowlist.decide(target[0], Integer.parseInt(target[1])).allowed())
            .as("%s:%s with min-hosts %d", target[0], target[1], minHosts)
            .isFalse();
      }
    }
  }

  @Test
  void builtInRefusalsAndInvalidTargetsAreSkippedNeverSuggested() {
    RuleSuggester suggester = new RuleSuggester(2);
    String[] never = {
      "169.254.169.254",
      "127.0.0.1",
      "::1",
      "64:ff9b::a9fe:a9fe",
      "0.0.0.0",
      "localhost",
      "a.localhost",
      "b.localhost",
      "c.localhost",
      "bad host",
    };
    for (String host : never) {
      assertThat(suggester.add(host, 80)).as(host).isFalse();
    }
    assertThat(suggester.add("db1.example.ts.net", 0)).isFalse();

    assertThat(suggester.suggest()).isEmpty();
    assertThat(suggester.skipped()).isEqualTo(never.length + 1);
  }

  @Test
  void aSuffixRuleNeedsADomainOfTwoLabels() {
    String[][] log = {{"a.com", "443"}, {"b.com", "443"}, {"c.com", "443"}};

    assertThat(suggest(2, log))
        .extracting(RuleSuggester.Suggestion::rule)
        .containsExactlyInAnyOrder("a.com:443", "b.com:443", "c.com:443");
  }

  @Test
  void manyPortsSplitIntoRulesTheAllowlistAccepts() throws RuleSyntaxException {
    String[][] log = new String[200][];
    for (int i = 0; i < log.length; i++) {
      log[i] = new String[] {"scan.example.ts.net", String.valueOf(1000 + 2 * i)};
    }

    List<RuleSuggester.Suggestion> rules = suggest(3, log);

    assertThat(rules).hasSize(7);
    Allowlist allowlist = load(rules);
    for (String[] target : log) {
      assertThat(allowlist.decide(target[0], Integer.parseInt(target[1])).allowed()).isTrue();
    }
    assertThat(allowlist.decide("scan.example.ts.net", 1001).allowed()).isFalse();
  }

  @Test
  void portItemsMergeRuns() {
    assertThat(RuleSuggester.portItems(new TreeSet<>(List.of(22, 80, 81, 82, 443, 444))))
        .containsExactly("22", "80-82", "443-444");
  }
}
