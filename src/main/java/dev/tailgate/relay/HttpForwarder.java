package dev.tailgate.relay;

import dev.tailgate.base.BasicAuth;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Forwards plain HTTP requests in absolute form ({@code GET http://host/path HTTP/1.1}), which
 * every client sends for an {@code http://} URL when {@code http_proxy} names tailgate. Each
 * request is judged on its own like a tunnel (allowlist, limits, the upstream gate) and dialled
 * through the same upstream, so a name stays a name; its exchange then runs in an {@link
 * HttpExchange} on an upstream connection of its own, fresh or idle since an earlier request to the
 * same target ({@link IdleConnections}). The client connection stays open for the next request
 * unless either side asked to close; a request tailgate refuses (400, 403, 407, 502, 503, 504)
 * closes it, as the body that may follow is not read.
 *
 * <p>Backpressure: the client is read again only once what it sent has been written to the target,
 * and not at all while a response is on its way (a pipelined request waits in the socket).
 */
final class HttpForwarder extends ChannelInboundHandlerAdapter implements Replies {
  private final Tunneler tunneler;
  private final Credentials credentials;

  /** Read but not yet forwarded: a body while its request dials. At most one read's worth. */
  private final ArrayDeque<HttpObject> pending = new ArrayDeque<>();

  private ChannelHandlerContext ctx;
  private ConnectionState state;
  private HttpExchange exchange;

  /** The request being judged, for its log line when it is refused. */
  private String method;

  /** Its target. */
  private AbsoluteForm form;

  private Instant startedAt;
  private long startedNanos;

  HttpForwarder(Tunneler tunneler, Credentials credentials) {
    this.tunneler = tunneler;
    this.credentials = credentials;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.state = ConnectionState.of(ctx.channel());
    Duration idle = tunneler.idleTimeout();
    if (!idle.isZero() && ctx.pipeline().get(PipelineNames.IDLE) == null) {
      ctx.pipeline()
          .addBefore(
              ctx.name(),
              PipelineNames.IDLE,
              new IdleStateHandler(0, 0, idle.toMillis(), TimeUnit.MILLISECONDS));
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpObject object) {
      pending.add(object);
      drain();
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Moves what was read on as far as it may go now, then asks for more if nothing waits. */
  private void drain() {
    while (!pending.isEmpty() && ctx.channel().isActive()) {
      if (exchange == null) {
        HttpObject next = pending.poll();
        if (next instanceof HttpRequest request) {
          begin(request);
        } else {
          ReferenceCountUtil.release(next);
        }
      } else if (exchange.takesBody()) {
        HttpContent content = (HttpContent) pending.poll();
        if (content.decoderResult().isFailure()) {
          malformedBody(content);
          return;
        }
        exchange.sendBody(content);
      } else {
        break;
      }
    }
    if (exchange != null) {
      exchange.flush();
    }
    readMore();
  }

  /** Reads the next request, or more of this one's body once the last of it was written. */
  void readMore() {
    if (pending.isEmpty()
        && ctx.channel().isActive()
        && (exchange == null || exchange.wantsBody())) {
      ctx.read();
    }
  }

  private void begin(HttpRequest request) {
    method = request.method().name();
    startedAt = Instant.now();
    startedNanos = System.nanoTime();
    state.targetHost = null;
    state.targetPort = 0;
    state.decision = null;
    state.rule = null;
    RequestChecks.Refusal malformed = RequestChecks.forwarding(request);
    if (malformed != null) {
      refuse(malformed.status(), "protocol_error", malformed.reason());
      return;
    }
    if (credentials != null
        && !BasicAuth.accepts(
            request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION), credentials::check)) {
      refuse(
          HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
          "denied",
          "proxy authentication required");
      return;
    }
    AbsoluteForm form;
    try {
      form = AbsoluteForm.parse(request.uri());
    } catch (AbsoluteForm.Refused e) {
      refuse(HttpResponseStatus.BAD_REQUEST, "protocol_error", e.getMessage());
      return;
    }
    this.form = form;
    HttpExchange.prepare(request, form);
    exchange = new HttpExchange(this, ctx.channel(), request, false, startedAt, startedNanos);
    tunneler.open(ctx, form.target(), this);
  }

  /**
   * The body turned out malformed (a chunk size that is not one, say) after its head went on: the
   * target never sees the body end, so it cannot take the cut request for a whole one, and the
   * client gets 400 unless the target's response has begun, which then stops where it is.
   */
  private void malformedBody(HttpContent content) {
    String reason =
        "malformed HTTP request body: " + DialErrors.oneLine(content.decoderResult().cause());
    ReferenceCountUtil.release(content);
    if (exchange.cut()) {
      refuse(HttpResponseStatus.BAD_REQUEST, "protocol_error", reason);
    } else {
      state.fail("protocol_error", reason);
      state.closedBy("relay");
      exchange = null;
      ctx.close();
    }
  }

  /**
   * The reused upstream connection broke before the request's response began: the request goes once
   * more on a fresh one, judged again like any request. The other idle connections to that target
   * are likely stale too (the target restarted, or closes idle ones), so they go.
   */
  void retry(HttpRequest request, Channel broken) {
    tunneler.idleConnections().evict(broken);
    exchange = new HttpExchange(this, ctx.channel(), request, true, startedAt, startedNanos);
    // The request had no body: its end was sent already and goes again.
    pending.addFirst(LastHttpContent.EMPTY_LAST_CONTENT);
    tunneler.open(ctx, form.target(), this);
  }

  /** The exchange is over on {@code target}: kept for the next request if it ended cleanly. */
  void release(Channel target, boolean clean) {
    if (!clean || !target.isActive()) {
      target.close();
      return;
    }
    target.pipeline().remove(PipelineNames.HTTP_RESPONSE);
    tunneler.idleConnections().offer(target);
  }

  /** The target answered 101 to a WebSocket upgrade: from now on the connection is a tunnel. */
  void upgraded(Channel target) {
    exchange = null;
    target.pipeline().remove(PipelineNames.HTTP_RESPONSE);
    tunneler.splice(ctx.channel(), target, state);
    // Bytes the target sent right after its 101 are in the codec: they reach the relay as it goes.
    target.pipeline().remove(PipelineNames.HTTP_CLIENT);
  }

  @Override
  public boolean reuses() {
    return exchange != null && !exchange.isRetry();
  }

  private void refuse(HttpResponseStatus status, String result, String reason) {
    state.cancelHandshakeDeadline();
    state.fail(result, reason);
    state.closedBy("relay");
    reply(status, reason).addListener(ChannelFutureListener.CLOSE);
  }

  /** tailgate's own answer to the request being judged, with the request's log line. */
  private ChannelFuture reply(HttpResponseStatus status, String reason) {
    state.requestLog.record(
        state.requestEvent(startedAt, startedNanos, method, status.code(), 0, 0, "relay"));
    exchange = null;
    return HttpConnectHandshake.respond(ctx, status, reason);
  }

  /** The exchange's response ended; the client connection carries on if both sides keep it. */
  void ended(boolean keepAlive) {
    exchange = null;
    state.phase = "idle";
    if (keepAlive) {
      drain();
    } else {
      state.closedBy("relay");
      ctx.close();
    }
  }

  /** The target failed before it answered: tailgate answers in its place and closes. */
  void failedBeforeResponse(String reason) {
    state.fail("error", reason);
    state.closedBy("target");
    reply(HttpResponseStatus.BAD_GATEWAY, "tailgate: " + reason)
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public boolean forward(Channel target) {
    exchange.connected(target);
    drain();
    return true;
  }

  @Override
  public ChannelFuture success(ChannelHandlerContext ctx) {
    return ctx.newSucceededFuture();
  }

  @Override
  public ChannelFuture denied(ChannelHandlerContext ctx, String reason) {
    return reply(HttpResponseStatus.FORBIDDEN, "tailgate: " + reason);
  }

  @Override
  public ChannelFuture overLimit(ChannelHandlerContext ctx, String reason) {
    return reply(HttpResponseStatus.SERVICE_UNAVAILABLE, "tailgate: " + reason);
  }

  @Override
  public ChannelFuture failed(ChannelHandlerContext ctx, DialFailure failure) {
    return reply(HttpConnectHandshake.status(failure), "tailgate: " + failure.reason());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      state.closedBy("idle");
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    state.closedBy("error");
    if (state.reason == null) {
      state.reason = "client side: " + DialErrors.oneLine(cause);
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state.closedBy("client");
    if (exchange != null) {
      exchange.clientGone();
      exchange = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    pending.forEach(ReferenceCountUtil::release);
    pending.clear();
  }
}
