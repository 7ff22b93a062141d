package dev.tailgate.relay;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The listener's limits, applied in two steps: the handshake budget at accept (a flood gets no work
 * done), then, once the client is known ({@link ConnectionState#clientKey}), its own share of that
 * budget and the connection limits.
 */
final class Admission {
  /** The rule of a client over its share of the handshake budget. */
  static final String CLIENT_HANDSHAKES = "limit:client-handshakes";

  private final AtomicReference<Policy> policy;
  private final RelayStats stats;

  Admission(AtomicReference<Policy> policy, RelayStats stats) {
    this.policy = policy;
    this.stats = stats;
  }

  RelaySettings.Limits limits() {
    return policy.get().limits();
  }

  /** Too many handshakes at once: closed at once. Says whether it closed the connection. */
  boolean overHandshakes(Channel ch, ConnectionState state) {
    int max = limits().handshakes();
    if (stats.handshaking() > max) {
      closeAtOnce(ch, state, "limit:handshakes", "more than " + max + " handshakes in progress");
      return true;
    }
    return false;
  }

  /**
   * Counts the connection against its client, {@code key}. Over the client's share of handshakes:
   * closed at once (says so). Too many connections in all or from this client: marked, and refused
   * with a reply once the request is read.
   */
  boolean identified(Channel ch, ConnectionState state, String key) {
    RelaySettings.Limits limits = limits();
    state.clientKey = key;
    stats.identified(state);
    if (stats.handshakingFrom(key) > limits.perClientHandshakes()) {
      closeAtOnce(ch, state, CLIENT_HANDSHAKES, overShare(key, limits.perClientHandshakes()));
      return true;
    }
    if (stats.open() > limits.connections()) {
      state.limitRule = "limit:connections";
      state.limitReason = "tailgate already has " + limits.connections() + " connections open";
    } else if (stats.fromClient(key) > limits.perClient()) {
      state.limitRule = "limit:per-client";
      state.limitReason =
          "client " + key + " already has " + limits.perClient() + " connections open";
    }
    return false;
  }

  /** Why {@code key} is refused when it holds {@code share} handshakes already. */
  static String overShare(String key, int share) {
    return "client " + key + " has more than " + share + " handshakes";
  }

  /** Marks {@code state} refused by {@code rule}, before any request was read. */
  static void deny(ConnectionState state, String rule, String reason) {
    state.decision = "deny";
    state.rule = rule;
    state.fail("denied", reason);
  }

  private static void closeAtOnce(Channel ch, ConnectionState state, String rule, String reason) {
    deny(state, rule, reason);
    state.closedBy("relay");
    ch.close();
  }
}
