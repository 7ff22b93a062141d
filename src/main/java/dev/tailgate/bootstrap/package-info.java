/**
 * Brings up, logs in and watches tailscaled: auth key sources, the LocalAPI client, the process.
 *
 * <p>Knows nothing of the relay's pipeline. Depends on Netty (unix-socket HTTP), Jackson and the
 * JDK only; the relay reaches it through an upstream-health interface, never the other way round.
 */
package dev.tailgate.bootstrap;
