package dev.tailgate.relay;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.Decision;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step every protocol ends in: ask the allowlist, dial, answer, and turn the client's pipeline
 * into a relay. Shared by all connections of a listener; holds no per-connection state. The
 * allowlist is the one in force when the request arrives (a reload replaces it).
 */
final class Tunneler {
  private static final Logger log = LoggerFactory.getLogger(Tunneler.class);

  /** Dials per request at most: the first, and retries after the gate recovered the upstream. */
  static final int MAX_ATTEMPTS = 3;

  private final AtomicReference<Policy> policy;
  private final UpstreamDialer dialer;

  /** For targets a rule sends {@code via direct}: from this host, past no gate. */
  private final UpstreamDialer direct;

  private final UpstreamGate gate;
  private final RelayStats stats;
  private final Duration idleTimeout;
  private final IdleConnections idle = new IdleConnections(IdleConnections.IDLE);

  Tunneler(
      AtomicReference<Policy> policy,
      UpstreamDialer dialer,
      UpstreamGate gate,
      RelayStats stats,
      Duration idleTimeout) {
    this(policy, dialer, dialer, gate, stats, idleTimeout);
  }

  Tunneler(
      AtomicReference<Policy> policy,
      UpstreamDialer dialer,
      UpstreamDialer direct,
      UpstreamGate gate,
      RelayStats stats,
      Duration idleTimeout) {
    this.policy = policy;
    this.dialer = dialer;
    this.direct = direct;
    this.gate = gate;
    this.stats = stats;
    this.idleTimeout = idleTimeout;
  }

  /** Handles a complete request; the caller's handshake is over whatever happens next. */
  void open(ChannelHandlerContext ctx, TunnelRequest request, Replies replies) {
    Channel client = ctx.channel();
    ConnectionState state = ConnectionState.of(client);
    state.cancelHandshakeDeadline();
    state.targetHost = request.host();
    state.targetPort = request.port();

    if (state.limitRule != null) {
      overLimit(ctx, state, replies, state.limitRule, state.limitReason);
      return;
    }
    Decision decision =
        policy.get().allowlist().decide(request.host(), request.port(), state.uid());
    // The listener opens while tailscaled boots: a name refused now that a `tailnet` rule may
    // allow once Running brings the MagicDNS suffix (a target a `tag:` rule may allow once it
    // brings the peer list) waits for it, then is judged again (in report mode too, so that what
    // it logs as would_deny is what enforce mode would refuse).
    Allowlist allowlist = policy.get().allowlist();
    if ((!decision.allowed() || decision.wouldDeny())
        && (allowlist.awaitsMagicDnsSuffix(request.host()) || allowlist.awaitsPeerList())) {
      CompletableFuture<Void> settled = gate.whenSettled();
      if (!settled.isDone()) {
        state.phase = "held";
        log.debug("{} held until tailscaled is Running", state.tag(client));
        settled.whenCompleteAsync(
            (ok, error) ->
                guarded(
                    client,
                    state,
                    null,
                    () -> {
                      if (error != null) {
                        held(ctx, state, replies, error);
                      } else if (client.isActive()) {
                        decided(
                            ctx,
                            state,
                            request,
                            replies,
                            policy
                                .get()
                                .allowlist()
                                .decide(request.host(), request.port(), state.uid()));
                      } else {
                        state.closedBy("client");
                      }
                    }),
            ctx.executor());
        return;
      }
    }
    decided(ctx, state, request, replies, decision);
  }

  private void decided(
      ChannelHandlerContext ctx,
      ConnectionState state,
      TunnelRequest request,
      Replies replies,
      Decision decision) {
    Channel client = ctx.channel();
    state.decision = decision.verdict();
    state.rule = decision.rule();
    if (decision.wouldDeny()) {
      state.waived = decision.reason();
      log.debug(
          "{} would deny {}:{} (report mode): {}",
          state.tag(client),
          request.host(),
          request.port(),
          decision.reason());
    }
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

    String unreachable = gate.unreachable(request.host());
    if (unreachable != null) {
      DialFailure failure = DialFailure.hostUnreachable(unreachable);
      fail(ctx, state, failure, () -> replies.knownUnreachable(ctx, failure));
      return;
    }
    state.fail("error", "client closed before the dial completed");
    state.phase = "dialing";
    String host = decision.target().upstreamHost();
    if (decision.direct()) {
      dial(ctx, state, replies, direct, host, request.port(), MAX_ATTEMPTS);
    } else {
      attempt(ctx, state, replies, host, request.port(), 1);
    }
  }

  /** Dials once the gate is open; a closed gate holds the client instead of failing it. */
  private void attempt(
      ChannelHandlerContext ctx,
      ConnectionState state,
      Replies replies,
      String host,
      int port,
      int attempt) {
    CompletableFuture<Void> ready = gate.whenReady();
    if (ready.isDone() && !ready.isCompletedExceptionally()) {
      dial(ctx, state, replies, dialer, host, port, attempt);
      return;
    }
    log.debug("{} held until the upstream is ready", state.tag(ctx.channel()));
    ready.whenCompleteAsync(
        (ok, error) ->
            guarded(
                ctx.channel(),
                state,
                null,
                () -> {
                  if (error != null) {
                    held(ctx, state, replies, error);
                  } else if (ctx.channel().isActive()) {
                    dial(ctx, state, replies, dialer, host, port, attempt);
                  } else {
                    state.closedBy("client");
                  }
                }),
        ctx.executor());
  }

  /**
   * Dials {@code host:port} the way {@code way}; the last attempt (always, for a direct target)
   * reports a failure to the client without asking the gate.
   */
  private void dial(
      ChannelHandlerContext ctx,
      ConnectionState state,
      Replies replies,
      UpstreamDialer way,
      String host,
      int port,
      int attempt) {
    IdleConnections.Target target = new IdleConnections.Target(way.describe(), host, port);
    Channel reusable = replies.reuses() ? idle.take(ctx.channel(), target) : null;
    if (reusable != null) {
      connected(ctx, state, replies, reusable);
      return;
    }
    long started = System.nanoTime();
    way.dial(ctx.channel(), host, port)
        .addListener(
            (Future<Channel> f) ->
                guarded(
                    ctx.channel(),
                    state,
                    f.isSuccess() ? f.getNow() : null,
                    () -> dialed(ctx, state, replies, target, f, started, attempt)));
  }

  /** The dial of {@code target} ended: on to the reply, or a failure told or judged by the gate. */
  private void dialed(
      ChannelHandlerContext ctx,
      ConnectionState state,
      Replies replies,
      IdleConnections.Target target,
      Future<Channel> f,
      long started,
      int attempt) {
    stats.dialed(System.nanoTime() - started, f.isSuccess());
    if (f.isSuccess()) {
      IdleConnections.dialled(f.getNow(), target);
      connected(ctx, state, replies, f.getNow());
      return;
    }
    String host = target.host();
    int port = target.port();
    DialFailure failure =
        f.cause() instanceof DialException e
            ? e.failure()
            : DialErrors.direct(host + ":" + port, f.cause());
    if (attempt >= MAX_ATTEMPTS || !mayBeUpstreamsFault(failure)) {
      fail(ctx, state, replies, failure);
      return;
    }
    gate.judge(failure)
        .whenCompleteAsync(
            (verdict, error) ->
                guarded(
                    ctx.channel(),
                    state,
                    null,
                    () -> {
                      if (verdict == UpstreamGate.Verdict.RETRY && ctx.channel().isActive()) {
                        log.debug(
                            "{} retrying after upstream failure: {}",
                            state.tag(ctx.channel()),
                            failure.reason());
                        attempt(ctx, state, replies, host, port, attempt + 1);
                      } else {
                        fail(ctx, state, replies, failure);
                      }
                    }),
            ctx.executor());
  }

  /**
   * Runs a step of the set-up that a listener or a future's callback calls. What it throws (a bug,
   * or an Error such as a class that failed to load) would stop at netty's listener, which only
   * warns, or in a future nobody reads, and leave the client waiting with no deadline: the
   * handshake's is over and the dial's has done its work. Here it ends the connection instead,
   * logged as the relay's error, and {@code target} (if any) with it.
   */
  private static void guarded(
      Channel client, ConnectionState state, Channel target, Runnable step) {
    try {
      step.run();
    } catch (Throwable t) { // Errors too: nothing may leave a client hanging
      log.error("{} broke during its set-up and was closed", state.tag(client), t);
      state.fail("error", "internal error: " + DialErrors.oneLine(t));
      state.closedBy("relay");
      if (target != null) {
        target.close();
      }
      client.close();
    }
  }

  /**
   * A held client whose wait ended without the upstream: too many waited, or it did not recover.
   */
  private void held(
      ChannelHandlerContext ctx, ConnectionState state, Replies replies, Throwable error) {
    if (root(error) instanceof UpstreamGate.TooManyWaiting busy) {
      overLimit(ctx, state, replies, "limit:waiting", busy.getMessage());
    } else {
      fail(ctx, state, replies, DialFailure.upstream("error", rootMessage(error)));
    }
  }

  /** The upstream broke, or answered the general failure that tailscaled gives for everything. */
  private static boolean mayBeUpstreamsFault(DialFailure failure) {
    return failure.upstreamFault() || failure.socks5Reply() == DialFailure.GENERAL;
  }

  private void fail(
      ChannelHandlerContext ctx, ConnectionState state, Replies replies, DialFailure failure) {
    fail(ctx, state, failure, () -> replies.failed(ctx, failure));
  }

  private void fail(
      ChannelHandlerContext ctx,
      ConnectionState state,
      DialFailure failure,
      Supplier<ChannelFuture> reply) {
    Channel client = ctx.channel();
    state.fail(failure.result(), failure.reason());
    state.closedBy(failure.upstreamFault() ? "error" : "target");
    log.debug("{} dial failed: {}", state.tag(client), failure.reason());
    if (client.isActive()) {
      reply.get().addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void connected(
      ChannelHandlerContext ctx, ConnectionState state, Replies replies, Channel target) {
    Channel client = ctx.channel();
    if (!client.isActive()) {
      state.closedBy("client");
      target.close();
      return;
    }
    state.result = "ok";
    state.reason = state.waived;
    state.phase = "relaying";
    if (replies.forward(target)) {
      return;
    }
    replies
        .success(ctx)
        .addListener(
            (ChannelFutureListener)
                f ->
                    guarded(
                        client,
                        state,
                        target,
                        () -> {
                          if (!f.isSuccess()) {
                            state.closedBy("client");
                            target.close();
                            client.close();
                            return;
                          }
                          splice(client, target, state);
                        }));
  }

  /** Refused by one of the relay's bounds: a reply in the client's protocol, the rule logged. */
  private static void overLimit(
      ChannelHandlerContext ctx,
      ConnectionState state,
      Replies replies,
      String rule,
      String reason) {
    state.decision = "deny";
    state.rule = rule;
    state.fail("denied", reason);
    state.closedBy("relay");
    if (ctx.channel().isActive()) {
      replies.overLimit(ctx, reason).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static Throwable root(Throwable error) {
    Throwable t = error;
    while (t != null && t.getCause() != null && t != t.getCause()) {
      t = t.getCause();
    }
    return t;
  }

  private static String rootMessage(Throwable error) {
    return DialErrors.oneLine(root(error));
  }

  /** Where forwarded requests leave their upstream connections for the next request. */
  IdleConnections idleConnections() {
    return idle;
  }

  /** How long a connection may go without traffic either way; zero: no bound. */
  Duration idleTimeout() {
    return idleTimeout;
  }

  /** Adds the relay handlers first, so bytes buffered in a removed decoder reach them. */
  void splice(Channel client, Channel target, ConnectionState state) {
    ByteBuf early = state.takeEarlyData();
    if (early != null) {
      state.bytesUp += early.readableBytes();
      target.writeAndFlush(early);
    }
    target.pipeline().addLast(PipelineNames.RELAY, new RelayHandler(client, state, false));
    ChannelPipeline pipeline = client.pipeline();
    if (!idleTimeout.isZero() && pipeline.get(PipelineNames.IDLE) == null) {
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
    log.debug("{} relaying to {}", state.tag(client), state.targetHost);
  }
}
