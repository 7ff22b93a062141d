package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.localpeer.LocalPeers;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sets up each accepted client: its {@link ConnectionState}, the handshake deadline, the limits,
 * the protocol detector (behind the wait for a loopback client's identity), and the log line
 * written when it closes.
 */
final class RelayInitializer extends ChannelInitializer<Channel> {
  private final Tunneler tunneler;
  private final RelaySettings settings;
  private final ConnectionLog log;
  private final RelayStats stats;
  private final Admission admission;
  private final LocalPeers peers;
  private final AtomicReference<Policy> policy;

  /**
   * {@code unix:PATH} for a Unix-socket listener's clients, whose address says nothing; or null.
   */
  private final String unixClient;

  RelayInitializer(
      Tunneler tunneler,
      RelaySettings settings,
      AtomicReference<Policy> policy,
      ConnectionLog log,
      RelayStats stats,
      LocalPeers peers,
      String unixClient) {
    this.tunneler = tunneler;
    this.settings = settings;
    this.log = log;
    this.stats = stats;
    this.admission = new Admission(policy, stats);
    this.peers = peers;
    this.policy = policy;
    this.unixClient = unixClient;
  }

  @Override
  protected void initChannel(Channel ch) {
    ConnectionState state =
        unixClient == null ? new ConnectionState(ch) : new ConnectionState(ch, unixClient);
    stats.accepted(state);
    state.onHandshakeOver(() -> stats.handshakeOver(state));
    ch.attr(ConnectionState.KEY).set(state);
    state.requestLog = log;
    state.handshakeDeadline(
        ch.eventLoop()
            .schedule(
                () -> {
                  state.fail(
                      "timeout",
                      "no complete request within "
                          + settings.handshakeTimeout().toMillis()
                          + " ms");
                  state.closedBy("idle");
                  ch.close();
                },
                settings.handshakeTimeout().toMillis(),
                TimeUnit.MILLISECONDS));
    ch.closeFuture()
        .addListener(
            f -> {
              state.cancelHandshakeDeadline();
              state.releaseEarlyData();
              LocalPeers.Lookup unused = ch.attr(AcceptGate.LOOKUP).getAndSet(null);
              if (unused != null) {
                unused.ended(); // closed before IdentityWait took it: no walk for it
              }
              stats.closed(state);
              log.record(state.toEvent());
            });
    if (admission.overHandshakes(ch, state)) {
      return;
    }
    // A loopback client's uid is looked up for the limits by uid or process, and for rules that
    // name uids whatever the limits count by; a Unix-socket client's is the kernel's at once.
    Policy now = policy.get();
    boolean local =
        now.looksUpLocalClients()
            && ch.remoteAddress() instanceof InetSocketAddress client
            && LocalPeers.isLoopback(client.getAddress());
    if (ch instanceof EpollDomainSocketChannel unix) {
      state.peer = UnixPeer.of(unix, peers);
      if (admission.identified(ch, state, UnixPeer.key(state, now.limits().identity()))) {
        return;
      }
    } else if (!local && admission.identified(ch, state, state.clientHost)) {
      return;
    }
    if (local) {
      ch.pipeline().addLast(PipelineNames.IDENTITY, new IdentityWait(peers, admission));
    }
    ch.pipeline()
        .addLast(PipelineNames.DETECTOR, new ProtocolDetector(tunneler, settings.credentials()))
        .addLast(PipelineNames.HANGUP, HandshakeHangup.INSTANCE);
  }
}
