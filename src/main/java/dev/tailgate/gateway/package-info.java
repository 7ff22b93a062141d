/**
 * The running gateway: {@link dev.tailgate.gateway.Gateway} wires config, bootstrap, relay, audit
 * and web into one tailgate; its reload, run-state file, status snapshot and {@code up --detach},
 * and {@link dev.tailgate.gateway.DaemonGate}, which adapts the bootstrap's daemon state to the
 * relay's upstream gate (hold, judge, warm-up) so that neither of the two imports the other.
 *
 * <p>May depend on config, bootstrap, localapi, keys, relay, policy, audit, web and base; only cli
 * (and training, which runs up's start path) imports it.
 */
package dev.tailgate.gateway;
