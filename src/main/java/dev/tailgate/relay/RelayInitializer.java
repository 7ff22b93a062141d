package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sets up each accepted client: its {@link ConnectionState}, the handshake deadline, the protocol
 * detector, and the log line written when it closes.
 */
final class RelayInitializer extends ChannelInitializer<Channel> {
  private final Tunneler tunneler;
  private final RelaySettings settings;
  private final ConnectionLog log;
  private final RelayStats stats;
  private final AtomicReference<Policy> policy;

  RelayInitializer(
      Tunneler tunneler,
      RelaySettings settings,
      AtomicReference<Policy> policy,
      ConnectionLog log,
      RelayStats stats) {
    this.tunneler = tunneler;
    this.policy = policy;
    this.settings = settings;
    this.log = log;
    this.stats = stats;
  }

  @Override
  protected void initChannel(Channel ch) {
    ConnectionState state = new ConnectionState(ch);
    stats.accepted(state);
    state.onHandshakeOver(stats::handshakeOver);
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
              stats.closed(state);
              log.record(state.toEvent());
            });
    if (overLimits(ch, state)) {
      return;
    }
    ch.pipeline()
        .addLast(PipelineNames.DETECTOR, new ProtocolDetector(tunneler, settings.credentials()));
  }

  /**
   * Too many handshakes at once: closed at once (a flood gets no work done). Too many connections
   * in all or from this client: marked, and refused with a reply once the request is read.
   */
  private boolean overLimits(Channel ch, ConnectionState state) {
    RelaySettings.Limits limits = policy.get().limits();
    if (stats.handshaking() > limits.handshakes()) {
      state.decision = "deny";
      state.rule = "limit:handshakes";
      state.fail("denied", "more than " + limits.handshakes() + " handshakes in progress");
      state.closedBy("relay");
      ch.close();
      return true;
    }
    if (stats.open() > limits.connections()) {
      state.limitRule = "limit:connections";
      state.limitReason = "tailgate already has " + limits.connections() + " connections open";
    } else if (stats.fromClient(state.clientHost) > limits.perClient()) {
      state.limitRule = "limit:per-client";
      state.limitReason =
          "client " + state.clientHost + " already has " + limits.perClient() + " connections open";
    }
    return false;
  }
}
