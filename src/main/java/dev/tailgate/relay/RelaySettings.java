package dev.tailgate.relay;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a relay listener needs, already validated by the config layer.
 *
 * @param listen where to accept clients
 * @param handshakeTimeout from accept to a complete request
 * @param dialTimeout for the outbound leg, including the upstream's SOCKS5 handshake
 * @param idleTimeout an established tunnel with no traffic either way is closed; zero disables
 * @param credentials required username/password, or {@code null} for none
 * @param limits how many connections, per client and in handshake, the listener takes
 */
public record RelaySettings(
    InetSocketAddress listen,
    Duration handshakeTimeout,
    Duration dialTimeout,
    Duration idleTimeout,
    Credentials credentials,
    Limits limits) {

  /** Settings with the default limits. */
  public RelaySettings(
      InetSocketAddress listen,
      Duration handshakeTimeout,
      Duration dialTimeout,
      Duration idleTimeout,
      Credentials credentials) {
    this(listen, handshakeTimeout, dialTimeout, idleTimeout, credentials, Limits.DEFAULT);
  }

  /**
   * Bounds on what one listener takes; a connection beyond them is refused with a reply in its
   * protocol (beyond {@code handshakes}, closed at once) and a log line naming the limit.
   *
   * @param connections client connections open at once
   * @param perClient open at once from one client address (all local clients share 127.0.0.1, so
   *     this matters for a listener other clients reach)
   * @param handshakes accepted but without a complete request yet
   */
  public record Limits(int connections, int perClient, int handshakes) {
    public static final Limits DEFAULT = new Limits(10_000, 10_000, 1_000);
  }

  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
}
