package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.localpeer.EarlyHangup;
import dev.tailgate.localpeer.LocalPeer;
import dev.tailgate.localpeer.LocalPeers;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Judges each client on the listener's own loop, as it is accepted and before it is given a loop of
 * its own (decision 20). The kernel completes a local client's TCP handshake without the relay, so
 * a process that connects and closes in a loop fills the listen queue faster than a relay serves
 * it, and every other client waits its turn behind the whole queue (measured: 1,025 queued, 40-100
 * ms before a greeting's reply). So what the flood brings costs no more than a look and a log line:
 *
 * <ul>
 *   <li>a client that hung up in the queue without sending a byte ({@link EarlyHangup}, one {@code
 *       recv(MSG_PEEK)}) is logged as the client's close during the handshake and closed here, with
 *       no lookup;
 *   <li>when the limits count by uid, a loopback client is looked up here, once (netlink on this
 *       thread, {@link LocalPeers#lookup}, about 10 us); one whose uid already holds its share of
 *       the handshake budget is refused here, as {@link Admission} would refuse it.
 * </ul>
 *
 * Either way the connection is never registered with a loop. Everyone else goes on, the lookup
 * attached for {@link IdentityWait} to take over instead of asking again.
 *
 * <p>One per TCP listener (not shared): it runs on the listener's loop only.
 */
final class AcceptGate extends ChannelInboundHandlerAdapter {
  /** The lookup made at accept, for {@link IdentityWait}; taken (and cleared) there. */
  static final AttributeKey<LocalPeers.Lookup> LOOKUP =
      AttributeKey.valueOf("tailgate.accept-lookup");

  private final AtomicReference<Policy> policy;
  private final RelayStats stats;
  private final ConnectionLog log;
  private final LocalPeers peers;

  AcceptGate(
      AtomicReference<Policy> policy, RelayStats stats, ConnectionLog log, LocalPeers peers) {
    this.policy = policy;
    this.stats = stats;
    this.log = log;
    this.peers = peers;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Channel child && !judged(child)) {
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** Says whether {@code child} goes on to a loop; else it was logged and closed here. */
  private boolean judged(Channel child) {
    Policy now = policy.get();
    RelaySettings.Limits limits = now.limits();
    boolean loopback =
        child.remoteAddress() instanceof InetSocketAddress client
            && LocalPeers.isLoopback(client.getAddress());
    if (child instanceof EpollSocketChannel epoll
        && EarlyHangup.endedEmpty(epoll.fd().intValue())) {
      boolean local = loopback && now.looksUpLocalClients(); // as RelayInitializer's line says
      turnAway(
          child,
          null,
          local ? LocalPeer.hungUpBeforeAccept() : null,
          null,
          HandshakeHangup.CLOSED,
          "client");
      return false;
    }
    if (!loopback
        || limits.identity() != RelaySettings.ClientIdentity.UID
        || !(child.localAddress() instanceof InetSocketAddress listener)) {
      return true; // by address or by process: the loop's own wait, as before (IdentityWait)
    }
    InetSocketAddress client = (InetSocketAddress) child.remoteAddress();
    LocalPeers.Lookup lookup = peers.lookup(client, listener);
    LocalPeer owner = lookup.owner().getNow(null);
    child.attr(LOOKUP).set(lookup);
    if (owner == null) {
      return true; // not answered at once: the loop waits for it
    }
    String key = "uid:" + owner.uid();
    if (owner.hasUid() && stats.handshakingFrom(key) >= limits.perClientHandshakes()) {
      turnAway(
          child,
          lookup,
          owner,
          Admission.CLIENT_HANDSHAKES,
          Admission.overShare(key, limits.perClientHandshakes()),
          "relay");
      return false;
    }
    return true;
  }

  /**
   * Logs {@code child} as {@link RelayInitializer} and {@link Admission} would have, counted as
   * accepted and ended, and closes it without ever registering it: {@code rule} is a refusal's
   * (null for a client that had closed).
   */
  private void turnAway(
      Channel child,
      LocalPeers.Lookup lookup,
      LocalPeer owner,
      String rule,
      String reason,
      String closedBy) {
    ConnectionState state = new ConnectionState(child);
    state.peer = owner;
    if (rule == null) {
      state.fail("protocol_error", reason);
    } else {
      Admission.deny(state, rule, reason);
    }
    state.closedBy(closedBy);
    stats.accepted(state);
    stats.handshakeOver(state);
    stats.closed(state);
    if (lookup != null) {
      lookup.ended();
    }
    // An orderly close (FIN), not a reset: a reset costs a fifth less here, but it spares the
    // flooding client its TIME_WAIT, so a connect-and-close loop ran twice as fast, outran the
    // turn-aways and filled the listen queue in front of everyone else (bench-storm, 2026-12-05).
    child.unsafe().closeForcibly();
    log.record(state.toEvent());
  }
}
