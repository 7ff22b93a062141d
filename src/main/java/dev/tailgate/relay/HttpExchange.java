package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.Set;

/**
 * One forwarded request and its response, on an upstream connection that carries one request at a
 * time: the request goes out in origin form with its hop-by-hop fields removed, the response comes
 * back the same way, both bodies streamed piece by piece (each side read again once the other took
 * the last write). Sits last in the target's pipeline; writes the request's log line when the
 * response ends, and hands the connection back for the next request to the same target when both
 * messages ended cleanly and the target keeps it. A WebSocket upgrade the target accepts (101)
 * turns both connections into a tunnel.
 */
final class HttpExchange extends ChannelInboundHandlerAdapter {
  private static final String VIA = "1.1 tailgate";

  /** The methods that may be sent twice with the effect of once (RFC 9110 §9.2.2). */
  private static final Set<HttpMethod> IDEMPOTENT =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.OPTIONS,
          HttpMethod.TRACE,
          HttpMethod.PUT,
          HttpMethod.DELETE);

  /**
   * Responses are read in pieces of up to 64 KiB (netty's default is 8 KiB): one write and one
   * flush to the client per piece, so fewer pieces carry a large download faster.
   */
  private static final HttpDecoderConfig RESPONSES =
      new HttpDecoderConfig().setMaxChunkSize(64 << 10);

  private final HttpForwarder forwarder;
  private final Channel client;
  private final ConnectionState state;
  private final HttpRequest request;
  private final boolean head;
  private final boolean http10;
  private final Instant startedAt;
  private final long startedNanos;

  /** Whether the client wants the connection kept after this response. */
  private final boolean keepAlive;

  /** This request is the second try after a reused upstream connection broke under it. */
  private final boolean retry;

  /** The WebSocket upgrade the client asked for, or null. */
  private final String upgrade;

  /** Whether the target carried a request before this one (then it may have gone stale). */
  private boolean reused;

  /** Whether the target may carry another request after this response. */
  private boolean targetKeepAlive;

  private Channel target;
  private boolean requestDone;
  private int writesToTarget;
  private int writesToClient;
  private int status;
  private boolean finalResponse;
  private boolean closeClient;
  private boolean over;

  /** Whether the end of the final response was read (its write to the client may still be due). */
  private boolean responseEnded;

  private long bytesUp;
  private long bytesDown;

  HttpExchange(
      HttpForwarder forwarder,
      Channel client,
      HttpRequest request,
      boolean retry,
      Instant startedAt,
      long startedNanos) {
    this.forwarder = forwarder;
    this.client = client;
    this.state = ConnectionState.of(client);
    this.request = request;
    this.retry = retry;
    this.head = HttpMethod.HEAD.equals(request.method());
    this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    this.keepAlive = HttpUtil.isKeepAlive(request);
    this.upgrade = upgradeAsked(request.headers());
    this.startedAt = startedAt;
    this.startedNanos = startedNanos;
  }

  /**
   * Rewrites {@code request} for the target, once: origin form, its own {@code Host}, no hop-by-hop
   * fields but a WebSocket upgrade the client asked for, which the target must see to answer 101.
   */
  static void prepare(HttpRequest request, AbsoluteForm form) {
    HttpHeaders headers = request.headers();
    String upgrade = upgradeAsked(headers);
    HopByHop.strip(headers);
    if (upgrade != null) {
      headers.set(HttpHeaderNames.UPGRADE, upgrade);
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
    headers.set(HttpHeaderNames.HOST, form.authority());
    headers.add(HttpHeaderNames.VIA, VIA);
    request.setUri(form.originForm());
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  /**
   * The {@code Upgrade} value of a request that asks for WebSocket, the one upgrade tailgate
   * carries (RFC 6455 §4.1: {@code Connection: Upgrade} and {@code Upgrade: websocket}), or null.
   */
  private static String upgradeAsked(HttpHeaders headers) {
    String upgrade = headers.get(HttpHeaderNames.UPGRADE);
    return upgrade != null
            && upgrade.trim().equalsIgnoreCase(HttpHeaderValues.WEBSOCKET.toString())
            && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        ? upgrade.trim()
        : null;
  }

  /** The target is dialled: the request goes out, and its response is read. */
  void connected(Channel target) {
    this.target = target;
    IdleConnections.carries(target);
    this.reused = IdleConnections.reused(target);
    if (target.pipeline().get(PipelineNames.HTTP_CLIENT) == null) {
      // A reused connection keeps its codec, which is between messages when it is kept.
      target
          .pipeline()
          .addLast(PipelineNames.HTTP_CLIENT, new HttpClientCodec(RESPONSES, false, false));
    }
    target.pipeline().addLast(PipelineNames.HTTP_RESPONSE, this);
    requestDone = request instanceof LastHttpContent;
    toTarget(request);
    target.read();
  }

  /** Whether this is the second try of its request. */
  boolean isRetry() {
    return retry;
  }

  /** Whether the request's body may be written now: dialled, and not yet complete. */
  boolean takesBody() {
    return target != null && !requestDone;
  }

  /** Whether the forwarder should read more of the body: the last piece has been written. */
  boolean wantsBody() {
    return takesBody() && writesToTarget == 0;
  }

  void sendBody(HttpContent content) {
    int size = content.content().readableBytes();
    bytesUp += size;
    state.bytesUp += size;
    requestDone = content instanceof LastHttpContent;
    toTarget(content);
  }

  private void toTarget(HttpObject msg) {
    writesToTarget++;
    target
        .write(msg)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  writesToTarget--;
                  if (f.isSuccess()) {
                    forwarder.readMore();
                  } else {
                    target.close();
                  }
                });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (over || !(msg instanceof HttpObject object)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (object.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      abort(
          "malformed response from the target: "
              + DialErrors.oneLine(object.decoderResult().cause()));
      return;
    }
    if (object instanceof HttpResponse response && !response(response)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (object instanceof HttpContent content) {
      int size = content.content().readableBytes();
      bytesDown += size;
      state.bytesDown += size;
    }
    if (status == 101) {
      switchProtocols(object);
      return;
    }
    boolean ends = finalResponse && object instanceof LastHttpContent;
    responseEnded |= ends;
    writesToClient++;
    client
        .write(object)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  writesToClient--;
                  if (!f.isSuccess()) {
                    state.closedBy("client");
                    client.close();
                  } else if (ends) {
                    finish();
                  } else if (writesToClient == 0) {
                    target.read();
                  }
                });
  }

  /** What one read of the target gave goes to the client in one flush: a head with its body. */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    client.flush();
    ctx.fireChannelReadComplete();
  }

  /** Sends what the forwarder wrote for the target: a request's head with its body, if read. */
  void flush() {
    if (target != null) {
      target.flush();
    }
  }

  /** Readies a response head for the client; false if it cannot be forwarded (then aborted). */
  private boolean response(HttpResponse response) {
    status = response.status().code();
    HttpHeaders headers = response.headers();
    if (status == 101) {
      String switched = headers.get(HttpHeaderNames.UPGRADE);
      if (upgrade == null || switched == null || !switched.trim().equalsIgnoreCase(upgrade)) {
        abort("the target switched to a protocol the client did not ask for");
        return false;
      }
      HopByHop.strip(headers);
      headers.set(HttpHeaderNames.UPGRADE, switched.trim());
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      headers.add(HttpHeaderNames.VIA, VIA);
      return true;
    }
    finalResponse = status >= 200;
    boolean bodiless = head || status == 204 || status == 304;
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
    targetKeepAlive =
        HttpUtil.isKeepAlive(response)
            && (bodiless || chunked || HttpUtil.isContentLengthSet(response));
    HopByHop.strip(headers);
    headers.add(HttpHeaderNames.VIA, VIA);
    if (!finalResponse) {
      return true;
    }
    if (head) {
      // The client-side encoder does not know the method: it would end a chunked body with "0".
      headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    } else if (!bodiless && !chunked && !HttpUtil.isContentLengthSet(response)) {
      // Delimited by the target's close: chunked lets an HTTP/1.1 client keep its connection.
      if (keepAlive && !http10) {
        HttpUtil.setTransferEncodingChunked(response, true);
      } else {
        closeClient = true;
      }
    } else if (chunked && http10) {
      headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
      closeClient = true;
    }
    if (closeClient || !keepAlive) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    return true;
  }

  /**
   * The target agreed to the WebSocket upgrade: its 101 goes to the client, and both connections
   * become one tunnel (RFC 9110 §7.8). The request's line is written now, the tunnel's bytes count
   * in the connection's line.
   */
  private void switchProtocols(HttpObject object) {
    if (!(object instanceof HttpResponse response)) {
      ReferenceCountUtil.release(object); // the 101's empty end, which the tunnel does not carry
      return;
    }
    over = true;
    record("target");
    client
        .writeAndFlush(response)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    forwarder.upgraded(target);
                  } else {
                    state.closedBy("client");
                    target.close();
                    client.close();
                  }
                });
  }

  /** The response is complete at the client. */
  private void finish() {
    over = true;
    record("target");
    boolean clean = targetKeepAlive && requestDone && writesToTarget == 0;
    forwarder.release(target, clean);
    // A body the target did not wait for is still on its way: the connection cannot go on.
    forwarder.ended(keepAlive && !closeClient && requestDone);
  }

  /**
   * Whether a failure before any response may be tried again on a fresh connection: the reused
   * connection may have been closed by the target as it was taken (RFC 9112 §9.3.1), and only an
   * idempotent request without a body can be sent again as it was.
   */
  private boolean mayRetry() {
    return reused
        && !retry
        && status == 0
        && bytesUp == 0
        && requestDone
        && IDEMPOTENT.contains(request.method());
  }

  /** The exchange cannot complete: tailgate answers 502 if it can still, else cuts the client. */
  private void abort(String reason) {
    if (over) {
      return;
    }
    over = true;
    target.close();
    if (mayRetry()) {
      forwarder.retry(request, target);
      return;
    }
    if (status == 0 || !finalResponse) {
      forwarder.failedBeforeResponse(reason);
      return;
    }
    state.fail("error", reason);
    state.closedBy("target");
    record("target");
    client.close();
  }

  /**
   * Ends the exchange at once: the target is closed without the rest of the request. Returns
   * whether tailgate may still answer the client in the target's place (no final response began);
   * otherwise the request's line is written here and the caller closes the client.
   */
  boolean cut() {
    over = true;
    target.close();
    if (status == 0 || !finalResponse) {
      return true;
    }
    record("relay");
    return false;
  }

  /** The client went away mid-exchange. */
  void clientGone() {
    if (!over) {
      over = true;
      state.fail("error", "client closed before the response ended");
      record("client");
    }
    if (target != null) {
      target.close();
    }
  }

  private void record(String closedBy) {
    state.requestLog.record(
        state.requestEvent(
            startedAt,
            startedNanos,
            request.method().name(),
            status,
            bytesUp,
            bytesDown,
            closedBy));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    abort("the target closed the connection before the response ended");
  }

  /**
   * The target's input ended (upstream legs allow half-closure): a response delimited by the close
   * has just been ended by the codec in front; any other is cut short.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent && !responseEnded) {
      abort("the target closed the connection before the response ended");
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    abort("target side: " + DialErrors.oneLine(cause));
  }
}
