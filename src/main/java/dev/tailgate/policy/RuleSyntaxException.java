package dev.tailgate.policy;

/**
 * A rule that cannot be parsed. The message is one line naming the rule and what is wrong, e.g.
 * {@code bad rule 'db1:99999': port 99999 is out of range 1-65535}.
 */
public final class RuleSyntaxException extends Exception {
  private final String ruleText;
  private final String problem;

  RuleSyntaxException(String ruleText, String problem) {
    super("bad rule " + Printable.quote(ruleText) + ": " + problem);
    this.ruleText = ruleText;
    this.problem = problem;
  }

  /** For problems with the rule list as a whole rather than one rule. */
  RuleSyntaxException(String problem) {
    super(problem);
    this.ruleText = null;
    this.problem = problem;
  }

  /** The rule text as given, or null when the problem is with the list as a whole. */
  public String ruleText() {
    return ruleText;
  }

  /** What is wrong, without the rule text, e.g. {@code port 99999 is out of range 1-65535}. */
  public String problem() {
    return problem;
  }
}
