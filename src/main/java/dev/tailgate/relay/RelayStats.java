package dev.tailgate.relay;

import dev.tailgate.localpeer.LocalPeer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one listener is doing now, for `tailgate status`, the metrics and the status page: the
 * connections open (each one's {@link ConnectionState}), how many since start, and each dial's
 * latency told to a listener.
 */
public final class RelayStats {
  /** Told of every dial as it ends. Called on an event loop: it must not block. */
  @FunctionalInterface
  public interface DialListener {
    void dialed(long nanos, boolean ok);
  }

  /**
   * By identity, not by id: an id is the channel's short text, 32 random bits, so two of 5,000 open
   * connections share one about once in 350 runs, and a repeat must not hide a live connection.
   */
  private final Set<ConnectionState> open = ConcurrentHashMap.newKeySet();

  private final Map<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> handshakingPerClient = new ConcurrentHashMap<>();
  private final AtomicInteger handshaking = new AtomicInteger();
  private final AtomicLong total = new AtomicLong();
  private final DialListener dials;

  public RelayStats() {
    this((nanos, ok) -> {});
  }

  public RelayStats(DialListener dials) {
    this.dials = dials;
  }

  void accepted(ConnectionState state) {
    open.add(state);
    total.incrementAndGet();
    handshaking.incrementAndGet();
  }

  /**
   * The connection's client is known ({@link ConnectionState#clientKey}): from now on it counts
   * against its client's limits. Called once, on the connection's loop, while its handshake lasts.
   */
  void identified(ConnectionState state) {
    perClient.computeIfAbsent(state.clientKey, h -> new AtomicInteger()).incrementAndGet();
    handshakingPerClient
        .computeIfAbsent(state.clientKey, h -> new AtomicInteger())
        .incrementAndGet();
  }

  /** The connection's request is complete, or it closed before: it no longer counts as pending. */
  void handshakeOver(ConnectionState state) {
    handshaking.decrementAndGet();
    if (state.counted()) {
      decrement(handshakingPerClient, state.clientKey);
    }
  }

  void closed(ConnectionState state) {
    open.remove(state);
    if (state.counted()) {
      decrement(perClient, state.clientKey);
    }
  }

  private static void decrement(Map<String, AtomicInteger> counts, String key) {
    counts.computeIfPresent(key, (h, n) -> n.decrementAndGet() == 0 ? null : n);
  }

  /** Connections accepted whose request is not complete yet. */
  int handshaking() {
    return handshaking.get();
  }

  /** Connections open from one client ({@link ConnectionState#clientKey}). */
  int fromClient(String key) {
    AtomicInteger n = perClient.get(key);
    return n == null ? 0 : n.get();
  }

  /** Connections from one client whose request is not complete yet. */
  int handshakingFrom(String key) {
    AtomicInteger n = handshakingPerClient.get(key);
    return n == null ? 0 : n.get();
  }

  void dialed(long nanos, boolean ok) {
    dials.dialed(nanos, ok);
  }

  /** The open connections' states, in no order; a moment behind, as {@link #live} says. */
  Iterable<ConnectionState> states() {
    return open;
  }

  /** Client connections open now, in any phase. */
  public int open() {
    return open.size();
  }

  /** Client connections accepted since start. */
  public long total() {
    return total.get();
  }

  /**
   * The open connections, oldest first, at most {@code limit} of them. Counters are read from
   * another thread than the one that writes them, so a row may be a moment behind.
   */
  public List<LiveConnection> live(int limit) {
    List<LiveConnection> rows = new ArrayList<>(Math.min(limit, open.size()));
    for (ConnectionState s : open) {
      rows.add(s.live());
    }
    rows.sort(Comparator.comparingLong(LiveConnection::ageMs).reversed());
    return rows.size() > limit ? List.copyOf(rows.subList(0, limit)) : rows;
  }

  /**
   * One open connection as the status page shows it.
   *
   * @param phase {@code handshake}, {@code dialing} or {@code relaying}
   * @param target {@code host:port}, or {@code null} before the request was read
   * @param local the local process behind a loopback client, or {@code null}
   * @param clientTag what the client said the connection is for, or {@code null}
   */
  public record LiveConnection(
      String id,
      String client,
      String proto,
      String target,
      String phase,
      long bytesUp,
      long bytesDown,
      long ageMs,
      LocalPeer local,
      String clientTag) {}
}
