/**
 * The running gateway: wires config, bootstrap, relay, audit and web; only cli imports it.
 *
 * <p>Adapts the bootstrap's daemon state to the relay's upstream gate ({@link
 * dev.tailgate.gateway.DaemonGate}), so that neither of the two imports the other.
 */
package dev.tailgate.gateway;
