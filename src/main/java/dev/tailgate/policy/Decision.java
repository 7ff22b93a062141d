package dev.tailgate.policy;

import java.util.Objects;

/**
 * The allowlist's answer for one target.
 *
 * @param allowed whether the connection may go ahead
 * @param rule the original text of the rule that allowed it; for a built-in refusal its name
 *     ({@code builtin:loopback}, {@code builtin:link-local}, {@code builtin:unspecified}, {@code
 *     builtin:localhost}); null when no rule matched
 * @param reason a short sentence for logs and HTTP 403 bodies, safe to print on one line
 * @param target the normalized target, or null when the host was not valid
 */
public record Decision(boolean allowed, String rule, String reason, NormalizedHost target) {
  public Decision {
    Objects.requireNonNull(reason, "reason");
    if (allowed && (rule == null || target == null)) {
      throw new IllegalArgumentException("an allowed decision needs its rule and target");
    }
  }

  static Decision allow(Rule rule, NormalizedHost target) {
    return new Decision(
        true, rule.text(), "allowed by rule " + Printable.quote(rule.text()), target);
  }

  static Decision refuseSpecial(SpecialTarget kind, NormalizedHost target) {
    return new Decision(false, kind.rule, kind.reason(target), target);
  }

  static Decision noRuleMatches(NormalizedHost target, int port) {
    return new Decision(false, null, "no allow rule matches " + target.withPort(port), target);
  }

  static Decision invalid(String reason, NormalizedHost target) {
    return new Decision(false, null, reason, target);
  }
}
