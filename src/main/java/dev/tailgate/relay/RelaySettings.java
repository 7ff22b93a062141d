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
 */
public record RelaySettings(
    InetSocketAddress listen,
    Duration handshakeTimeout,
    Duration dialTimeout,
    Duration idleTimeout,
    Credentials credentials) {

  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
}
