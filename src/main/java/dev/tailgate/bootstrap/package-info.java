/**
 * Brings up, logs in and watches tailscaled: the process, the login, the supervisor (the restart
 * state machine).
 *
 * <p>Knows nothing of the relay: depends on {@code localapi}, {@code keys} (the auth key to log in
 * with), {@code base}, Netty, Jackson and the JDK. The gateway adapts the supervisor's state to the
 * relay's upstream gate.
 */
package dev.tailgate.bootstrap;
