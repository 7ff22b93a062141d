/**
 * The allowlist: a target in, a decision with its rule out; pure Java, depends on nothing in
 * tailgate but {@code base} (IP literals).
 *
 * <p>{@link dev.tailgate.policy.Allowlist#parse} turns rule texts into an immutable allowlist;
 * {@link dev.tailgate.policy.Allowlist#decide} normalizes the client's target with {@link
 * dev.tailgate.policy.NormalizedHost} (never resolving it) and returns a {@link
 * dev.tailgate.policy.Decision}; {@code tag:} and {@code os:} rules match against a {@link
 * dev.tailgate.policy.PeerList} that the gateway supplies; in report mode a refusal that is not a
 * built-in one goes ahead as {@code would_deny}. {@link dev.tailgate.policy.RuleSuggester} turns
 * logged targets back into rules. No Netty, no I/O, no DNS.
 */
package dev.tailgate.policy;
