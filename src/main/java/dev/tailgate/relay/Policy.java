package dev.tailgate.relay;

import dev.tailgate.policy.Allowlist;

/**
 * What a reload may change in a running listener: the allowlist and the connection limits. Each
 * connection reads the policy in force when it needs it, so a reload takes effect for the next
 * accept and the next request without stopping the listener.
 *
 * @param allowlist which targets are admitted
 * @param limits how many connections, per client and in handshake, the listener takes
 */
public record Policy(Allowlist allowlist, RelaySettings.Limits limits) {
  /**
   * Whether a loopback client's local process is looked up: for limits that count by uid or
   * process, and for rules that name uids whatever the limits count by.
   */
  boolean looksUpLocalClients() {
    return limits.identity() != RelaySettings.ClientIdentity.ADDRESS || allowlist.namesUids();
  }
}
