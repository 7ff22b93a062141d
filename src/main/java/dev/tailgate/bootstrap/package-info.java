/**
 * Brings up, logs in and watches tailscaled: the LocalAPI client, the process, the supervisor.
 *
 * <p>Knows nothing of the relay's pipeline. Depends on Netty (unix-socket HTTP), Jackson, the JDK,
 * {@code keys} (the auth key to log in with) and {@code base}; the relay reaches it through an
 * upstream-health interface, never the other way round.
 */
package dev.tailgate.bootstrap;
