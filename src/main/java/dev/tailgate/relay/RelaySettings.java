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
   * protocol (beyond {@code handshakes} or {@code perClientHandshakes}, closed at once) and a log
   * line naming the limit.
   *
   * @param connections client connections open at once
   * @param perClient open at once from one client: one local uid or process on loopback (as {@code
   *     identity} says), one address otherwise
   * @param handshakes accepted but without a complete request yet
   * @param perClientHandshakes of those, from one client, so that one client cannot take them all
   * @param identity what one client is on loopback
   */
  public record Limits(
      int connections,
      int perClient,
      int handshakes,
      int perClientHandshakes,
      ClientIdentity identity) {
    /**
     * A loopback client is its uid, found by netlink sock_diag in microseconds, and one uid may
     * hold a quarter of the handshakes, so that one local user's storm leaves the rest to others.
     */
    public static final Limits DEFAULT = new Limits(10_000, 10_000, 1_000, 250, ClientIdentity.UID);

    /**
     * Limits as they were before clients had an identity: per address, and without a handshake
     * share per client (one may take all {@code handshakes}).
     */
    public Limits(int connections, int perClient, int handshakes) {
      this(connections, perClient, handshakes, handshakes, ClientIdentity.ADDRESS);
    }
  }

  /**
   * What counts as one client of a loopback listener, where every client's address is 127.0.0.1 or
   * ::1. A client whose process is not found counts by its address.
   */
  public enum ClientIdentity {
    /** The uid owning the client's socket: every process of one user is one client. */
    UID,
    /** The process holding the client's socket. */
    PROCESS,
    /** The address, as for remote clients: all local processes are one client. */
    ADDRESS
  }

  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
}
