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
 * @param wouldDeny the allowlist refuses the target, but it is in {@link Allowlist.Mode#REPORT}
 *     mode and the refusal is not a built-in one: the connection goes ahead, and {@code rule} and
 *     {@code reason} are the refusal's, for the log
 * @param direct the rule that allowed the target says {@code via direct}: dial it from this host,
 *     not through tailscaled
 */
public record Decision(
    boolean allowed,
    String rule,
    String reason,
    NormalizedHost target,
    boolean wouldDeny,
    boolean direct) {
  public Decision {
    Objects.requireNonNull(reason, "reason");
    if (allowed && (target == null || (rule == null && !wouldDeny))) {
      throw new IllegalArgumentException("an allowed decision needs its rule and target");
    }
    if (wouldDeny && !allowed) {
      throw new IllegalArgumentException("a would-deny decision lets the connection through");
    }
  }

  /** A decision for a target reached the default way, through tailscaled. */
  public Decision(
      boolean allowed, String rule, String reason, NormalizedHost target, boolean wouldDeny) {
    this(allowed, rule, reason, target, wouldDeny, false);
  }

  /** An allow or a refusal as enforce mode gives it. */
  public Decision(boolean allowed, String rule, String reason, NormalizedHost target) {
    this(allowed, rule, reason, target, false);
  }

  /** Allowed as enforce mode would allow it: not a refusal that report mode lets through. */
  public boolean allowedWhenEnforced() {
    return allowed && !wouldDeny;
  }

  /** The log's {@code decision} field: {@code allow}, {@code deny} or {@code would_deny}. */
  public String verdict() {
    return wouldDeny ? "would_deny" : allowed ? "allow" : "deny";
  }

  static Decision allow(Rule rule, NormalizedHost target) {
    return new Decision(
        true,
        rule.text(),
        "allowed by rule " + Printable.quote(rule.text()),
        target,
        false,
        rule.direct());
  }

  static Decision refuseSpecial(SpecialTarget kind, NormalizedHost target) {
    return new Decision(false, kind.rule, kind.reason(target), target);
  }

  /**
   * No rule matched; {@code uid} is the client's when a rule names uids (the reason says which uid
   * was judged: {@code -1} for one not known), else null.
   */
  static Decision noRuleMatches(NormalizedHost target, int port, Integer uid) {
    String client =
        uid == null ? "" : uid >= 0 ? " for uid " + uid : " for a client whose uid is not known";
    return new Decision(
        false, null, "no allow rule matches " + target.withPort(port) + client, target);
  }

  /** No rule matched while {@code tag:} and {@code os:} rules wait for the peer list. */
  static Decision peersUnknown(NormalizedHost target, int port) {
    return new Decision(
        false,
        null,
        "no allow rule matches "
            + target.withPort(port)
            + " (tag and os rules match nothing until tailscaled lists its peers)",
        target);
  }

  static Decision invalid(String reason, NormalizedHost target) {
    return new Decision(false, null, reason, target);
  }

  /** This refusal, let through and logged by report mode. */
  Decision reported() {
    return new Decision(true, rule, reason, target, true);
  }
}
