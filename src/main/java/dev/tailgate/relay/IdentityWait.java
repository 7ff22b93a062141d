package dev.tailgate.relay;

import dev.tailgate.localpeer.LocalPeer;
import dev.tailgate.localpeer.LocalPeers;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds a loopback client until its local process is known, so that the per-client limits count it
 * by uid (or process) instead of by 127.0.0.1, which every local client shares. Auto-read is off
 * and the detector asks for the first read on channel-active, so holding that event back holds the
 * client: nothing is lost. A lookup that fails or takes longer than {@link #MAX_WAIT_MS} lets the
 * client through, counted by its address; the process, when it lands later, still goes into the log
 * line.
 */
final class IdentityWait extends ChannelInboundHandlerAdapter {
  static final long MAX_WAIT_MS = 500;

  private final LocalPeers peers;
  private final Admission admission;
  private LocalPeers.Lookup lookup;
  private ScheduledFuture<?> timeout;
  private boolean done;

  IdentityWait(LocalPeers peers, Admission admission) {
    this.peers = peers;
    this.admission = admission;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ConnectionState state = ConnectionState.of(ctx.channel());
    state.peer = LocalPeer.pending();
    boolean byProcess = admission.limits().identity() == RelaySettings.ClientIdentity.PROCESS;
    LocalPeers.Lookup atAccept = ctx.channel().attr(AcceptGate.LOOKUP).getAndSet(null);
    lookup =
        atAccept != null
            ? atAccept
            : peers.lookup(
                (InetSocketAddress) ctx.channel().remoteAddress(),
                (InetSocketAddress) ctx.channel().localAddress(),
                byProcess);
    lookup.process().thenAccept(p -> state.peer = p);
    // After the log line (written by an earlier listener): a walk for a closed client is wasted.
    ctx.channel().closeFuture().addListener(f -> lookup.ended());
    CompletableFuture<LocalPeer> known = byProcess ? lookup.process() : lookup.owner();
    if (known.isDone()) {
      // The event loop's own netlink request answered within the call (the usual case): no timer
      // to set and cancel, no task to queue, the first read asked for at once.
      proceed(ctx, state, known.getNow(null), byProcess);
      return;
    }
    timeout =
        ctx.executor()
            .schedule(
                () -> proceed(ctx, state, null, byProcess), MAX_WAIT_MS, TimeUnit.MILLISECONDS);
    known.whenCompleteAsync((peer, e) -> proceed(ctx, state, peer, byProcess), ctx.executor());
  }

  private void proceed(
      ChannelHandlerContext ctx, ConnectionState state, LocalPeer peer, boolean byProcess) {
    if (done) {
      return;
    }
    done = true;
    if (timeout != null) {
      timeout.cancel(false);
    }
    if (peer == null) {
      peer = lookup.owner().getNow(LocalPeer.unknownAfter(MAX_WAIT_MS));
    }
    if (!state.peer.hasUid()) {
      state.peer = peer; // unless the process stage, which knows more, landed first
    }
    if (!ctx.channel().isActive() || !state.awaitingRequest()) {
      return; // closed meanwhile (deadline, reload): never counted, nothing to let through
    }
    if (peer.closedByClient() && countsByLocalIdentity()) {
      // Its process is gone and the end of input is on its way (HandshakeHangup closes then):
      // counted by address it would take a share that every unidentified local client shares.
      letThrough(ctx);
      return;
    }
    String key =
        byProcess && peer.hasPid()
            ? "pid:" + peer.pid()
            : peer.hasUid() && countsByLocalIdentity() ? "uid:" + peer.uid() : state.clientHost;
    if (!admission.identified(ctx.channel(), state, key)) {
      letThrough(ctx);
    }
  }

  /**
   * Whether the limits count loopback clients by uid or process: with {@code address}, the wait is
   * only for rules that name uids, and the client counts by its address.
   */
  private boolean countsByLocalIdentity() {
    return admission.limits().identity() != RelaySettings.ClientIdentity.ADDRESS;
  }

  private void letThrough(ChannelHandlerContext ctx) {
    ctx.fireChannelActive();
    ctx.pipeline().remove(this);
  }
}
