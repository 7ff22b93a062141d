/**
 * The running gateway: {@link dev.tailgate.gateway.Gateway} wires config, bootstrap, relay, audit
 * and web into one tailgate; its reload, run-state file, status snapshot and {@code up --detach}.
 *
 * <p>May depend on config, bootstrap, relay, policy, audit, web, keys and base; only cli (and
 * training, which runs up's start path) imports it.
 */
package dev.tailgate.gateway;
