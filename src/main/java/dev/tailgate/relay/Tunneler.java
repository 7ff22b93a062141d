package dev.tailgate.relay;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.Decision;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step every protocol ends in: ask the allowlist, dial, answer, and turn the client's pipeline
 * into a relay. Shared by all connections of a listener; holds no per-connection state.
 */
final class Tunneler {
  private static final Logger log = LoggerFactory.getLogger(Tunneler.class);

  private final Allowlist allowlist;
  private final UpstreamDialer dialer;
  private final Duration idleTimeout;

  Tunneler(Allowlist allowlist, UpstreamDialer dialer, Duration idleTimeout) {
    this.allowlist = allowlist;
    this.dialer = dialer;
    this.idleTimeout = idleTimeout;
  }

  /** Handles a complete request; the caller's handshake is over whatever happens next. */
  void open(ChannelHandlerContext ctx, TunnelRequest request, Replies replies) {
    Channel client = ctx.channel();
    ConnectionState state = ConnectionState.of(client);
    state.cancelHandshakeDeadline();
    state.targetHost = request.host();
    state.targetPort = request.port();

    Decision decision = allowlist.decide(request.host(), request.port());
    state.decision = decision.allowed() ? "allow" : "deny";
    state.rule = decision.rule();
    if (!decision.allowed()) {
      state.fail("denied", decision.reason());
      state.closedBy("relay");
      log.debug(
          "{} denied {}:{}: {}",
          state.tag(client),
          request.host(),
          request.port(),
          decision.reason());
      replies.denied(ctx, decision.reason()).addListener(ChannelFutureListener.CLOSE);
      return;
    }

    state.fail("error", "client closed before the dial completed");
    String upstreamHost = decision.target().upstreamHost();
    dialer
        .dial(client, upstreamHost, request.port())
        .addListener((Future<Channel> f) -> dialed(ctx, state, replies, f));
  }

  private void dialed(
      ChannelHandlerContext ctx, ConnectionState state, Replies replies, Future<Channel> dial) {
    Channel client = ctx.channel();
    if (!dial.isSuccess()) {
      DialFailure failure =
          dial.cause() instanceof DialException e
              ? e.failure()
              : DialErrors.direct(state.targetHost + ":" + state.targetPort, dial.cause());
      state.fail(failure.result(), failure.reason());
      state.closedBy(failure.upstreamFault() ? "error" : "target");
      log.debug("{} dial failed: {}", state.tag(client), failure.reason());
      if (client.isActive()) {
        replies.failed(ctx, failure).addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    Channel target = dial.getNow();
    if (!client.isActive()) {
      state.closedBy("client");
      target.close();
      return;
    }
    state.result = "ok";
    state.reason = null;
    replies
        .success(ctx)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    state.closedBy("client");
                    target.close();
                    client.close();
                    return;
                  }
                  splice(client, target, state);
                });
  }

  /** Adds the relay handlers first, so bytes buffered in a removed decoder reach them. */
  private void splice(Channel client, Channel target, ConnectionState state) {
    ByteBuf early = state.takeEarlyData();
    if (early != null) {
      state.bytesUp += early.readableBytes();
      target.writeAndFlush(early);
    }
    target.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(client, state, false));
    ChannelPipeline pipeline = client.pipeline();
    if (!idleTimeout.isZero()) {
      pipeline.addLast(
          PipelineNames.IDLE,
          new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
    }
    pipeline.addLast(PipelineNames.RELAY, new RelayHandler(target, state, true));
    for (String name : PipelineNames.HANDSHAKE) {
      if (pipeline.get(name) != null) {
        pipeline.remove(name);
      }
    }
    log.debug("{} relaying to {} via {}", state.tag(client), state.targetHost, dialer.describe());
  }
}
