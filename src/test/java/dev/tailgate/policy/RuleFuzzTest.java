package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Coverage-guided fuzzing of the rule parser and the decision: a rule either parses or fails with a
 * one-line {@link RuleSyntaxException}; a parsed rule decides any target without throwing.
 */
class RuleFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void ruleAndTarget(FuzzedDataProvider data) {
    String rule = data.consumeString(200);
    int port = data.consumeInt(-1, 65536);
    String host = data.consumeRemainingAsString();
    Allowlist allowlist;
    try {
      allowlist = Allowlist.parse(List.of(rule));
    } catch (RuleSyntaxException e) {
      assertThat(e.getMessage()).doesNotContain("\n", "\r");
      return;
    }
    Decision decision = allowlist.decide(host, port);
    assertThat(decision.reason()).doesNotContain("\n", "\r");
  }
}
