package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.util.concurrent.TimeUnit;

/**
 * Sets up each accepted client: its {@link ConnectionState}, the handshake deadline, the protocol
 * detector, and the log line written when it closes.
 */
final class RelayInitializer extends ChannelInitializer<Channel> {
  private final Tunneler tunneler;
  private final RelaySettings settings;
  private final ConnectionLog log;
  private final RelayStats stats;

  RelayInitializer(Tunneler tunneler, RelaySettings settings, ConnectionLog log, RelayStats stats) {
    this.tunneler = tunneler;
    this.settings = settings;
    this.log = log;
    this.stats = stats;
  }

  @Override
  protected void initChannel(Channel ch) {
    ConnectionState state = new ConnectionState(ch);
    stats.accepted(state);
    ch.attr(ConnectionState.KEY).set(state);
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
    ch.pipeline()
        .addLast(PipelineNames.DETECTOR, new ProtocolDetector(tunneler, settings.credentials()));
  }
}
