/**
 * Brings up, logs in and watches tailscaled (the restart state machine): auth key sources, the
 * process, the supervisor.
 *
 * <p>Knows nothing of the relay: depends on {@code localapi}, Netty, Jackson and the JDK only. The
 * gateway adapts the supervisor's state to the relay's upstream gate.
 */
package dev.tailgate.bootstrap;
