package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.localpeer.LocalPeer;
import dev.tailgate.policy.Allowlist;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the relay knows about one client connection, filled in as it goes and turned into one log
 * line when the client channel closes. Touched only from the client channel's event loop (the
 * upstream channel is registered on the same loop).
 */
final class ConnectionState {
  static final AttributeKey<ConnectionState> KEY = AttributeKey.valueOf("tailgate.connection");

  final String id;
  final String client;

  /** The client channel, for a reload that closes tunnels its new allowlist refuses. */
  final Channel channel;

  /** The client's address without the port. */
  final String clientHost;

  /**
   * Who the client is for the per-client limits: {@code uid:N} or {@code pid:N} on loopback, else
   * the address; set once, before the connection is counted against them.
   */
  String clientKey;

  /**
   * The local process behind a loopback client, once looked up (the process stage may land after
   * the key was set, from the lookup's thread); {@code null} for a client that is not local.
   */
  volatile LocalPeer peer;

  private final Instant acceptedAt = Instant.now();
  private final long acceptedNanos = System.nanoTime();

  String proto;

  /** What the client said the connection is for ({@code ClientTag}), or null: logged, not used. */
  String clientTag;

  String targetHost;
  int targetPort;
  String decision;
  String rule;
  String reason = "closed before a complete request";

  /** The refusal report mode let through, kept as the reason of a tunnel that succeeds. */
  String waived;

  String result = "protocol_error";
  private String closedBy;
  volatile long bytesUp;
  volatile long bytesDown;

  /**
   * The uid owning the client's socket, for rules that name uids; {@link Allowlist#UNKNOWN_UID}
   * when the client is not local or its uid was not found (yet).
   */
  int uid() {
    LocalPeer p = peer;
    return p != null && p.hasUid() ? p.uid() : Allowlist.UNKNOWN_UID;
  }

  /** handshake, dialing or relaying: for the status page. */
  volatile String phase = "handshake";

  private ScheduledFuture<?> handshakeDeadline;
  private CompositeByteBuf earlyData;
  private boolean closed;

  ConnectionState(Channel channel) {
    this(channel, format(channel.remoteAddress()));
  }

  /**
   * @param client the log's {@code client}: the remote address, or for a Unix-socket client (whose
   *     address is empty) the listener's {@code unix:PATH}
   */
  ConnectionState(Channel channel, String client) {
    this.channel = channel;
    this.id = channel.id().asShortText();
    this.client = client;
    this.clientHost =
        channel.remoteAddress() instanceof InetSocketAddress inet && inet.getAddress() != null
            ? inet.getAddress().getHostAddress()
            : client;
  }

  /** A limit this connection was over when accepted, or {@code null}. */
  String limitRule;

  String limitReason;

  private Runnable onHandshakeOver = () -> {};

  /** Whether the per-client limits count this connection (its {@link #clientKey} is set). */
  boolean counted() {
    return clientKey != null;
  }

  /** Where the HTTP forwarder writes one line per request; the connection's own line is apart. */
  ConnectionLog requestLog = ConnectionLog.DISCARD;

  void onHandshakeOver(Runnable action) {
    this.onHandshakeOver = action;
  }

  static ConnectionState of(Channel channel) {
    return channel.attr(KEY).get();
  }

  /** Records who ended the connection; the first caller wins. */
  void closedBy(String who) {
    if (closedBy == null) {
      closedBy = who;
    }
  }

  /** Records a failure outcome with its reason; a later success never overwrites it. */
  void fail(String result, String reason) {
    this.result = result;
    this.reason = reason;
  }

  void handshakeDeadline(ScheduledFuture<?> deadline) {
    this.handshakeDeadline = deadline;
  }

  /** Whether the request is not complete yet and nothing has decided to close the connection. */
  boolean awaitingRequest() {
    return handshakeDeadline != null && closedBy == null;
  }

  /** The request is complete (or the connection closed): the handshake deadline is over. */
  void cancelHandshakeDeadline() {
    if (handshakeDeadline != null) {
      handshakeDeadline.cancel(false);
      handshakeDeadline = null;
      onHandshakeOver.run();
    }
  }

  /**
   * Keeps bytes the client sent after its request but before the reply (optimistic data), to be
   * written to the target first once the tunnel is up. At most one read's worth: auto-read is off.
   */
  void holdEarlyData(ByteBuf buf) {
    if (closed) {
      // A decoder hands on what it still held as the channel goes inactive, after the close
      // released the rest: there is no tunnel left to carry it.
      buf.release();
      return;
    }
    if (earlyData == null) {
      earlyData = buf.alloc().compositeBuffer();
    }
    earlyData.addComponent(true, buf);
  }

  /** The held early data, now owned by the caller, or {@code null}. */
  ByteBuf takeEarlyData() {
    ByteBuf data = earlyData;
    earlyData = null;
    return data;
  }

  /** Releases held early data of a connection that closed before its tunnel. */
  void releaseEarlyData() {
    closed = true;
    if (earlyData != null) {
      earlyData.release();
      earlyData = null;
    }
  }

  /** The prefix of every diagnostic line about this connection: {@code [id, L:… - R:…]}. */
  String tag(Channel channel) {
    return "[" + id + ", L:" + format(channel.localAddress()) + " - R:" + client + "]";
  }

  RelayStats.LiveConnection live() {
    String target = targetHost == null ? null : targetHost + ":" + targetPort;
    long ageMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos);
    return new RelayStats.LiveConnection(
        id, client, proto, target, phase, bytesUp, bytesDown, ageMs, peer, clientTag);
  }

  ConnectionEvent toEvent() {
    return requestEvent(
        acceptedAt,
        acceptedNanos,
        null,
        0,
        bytesUp,
        bytesDown,
        closedBy == null ? "client" : closedBy);
  }

  /**
   * The line of one request forwarded in plain HTTP: this connection's id, client and the verdict
   * on the request's target, with the request's own method, status, bytes and duration.
   */
  ConnectionEvent requestEvent(
      Instant startedAt,
      long startedNanos,
      String method,
      int status,
      long up,
      long down,
      String closedBy) {
    long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    return new ConnectionEvent(
        startedAt,
        id,
        client,
        proto,
        targetHost,
        targetPort,
        decision,
        rule,
        reason,
        result,
        up,
        down,
        durationMs,
        closedBy,
        localClient(),
        method,
        status,
        clientTag);
  }

  /** The log's view of {@link #peer}: only for a loopback client, with why when not all found. */
  private ConnectionEvent.LocalClient localClient() {
    LocalPeer p = peer;
    if (p == null) {
      return null;
    }
    return new ConnectionEvent.LocalClient(
        p.hasUid() ? p.uid() : null,
        p.hasPid() ? p.pid() : null,
        p.command(),
        p.tree(),
        p.unknown());
  }

  static String format(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      String host =
          inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }
}
