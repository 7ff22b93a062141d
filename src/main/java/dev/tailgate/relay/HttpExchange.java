package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

/**
 * One forwarded request and its response, on an upstream connection of its own: the request goes
 * out in origin form with its hop-by-hop fields removed, the response comes back the same way, both
 * bodies streamed piece by piece (each side read again once the other took the last write). Sits
 * last in the target's pipeline; writes the request's log line when the response ends.
 */
final class HttpExchange extends ChannelInboundHandlerAdapter {
  private static final String VIA = "1.1 tailgate";

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

  private Channel target;
  private boolean requestDone;
  private int writesToTarget;
  private int writesToClient;
  private int status;
  private boolean finalResponse;
  private boolean closeClient;
  private boolean over;
  private long bytesUp;
  private long bytesDown;

  HttpExchange(
      HttpForwarder forwarder,
      Channel client,
      HttpRequest request,
      AbsoluteForm form,
      Instant startedAt,
      long startedNanos) {
    this.forwarder = forwarder;
    this.client = client;
    this.state = ConnectionState.of(client);
    this.request = request;
    this.head = HttpMethod.HEAD.equals(request.method());
    this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    this.keepAlive = HttpUtil.isKeepAlive(request);
    this.startedAt = startedAt;
    this.startedNanos = startedNanos;
    HttpHeaders headers = request.headers();
    HopByHop.strip(headers);
    headers.set(HttpHeaderNames.HOST, form.authority());
    headers.add(HttpHeaderNames.VIA, VIA);
    request.setUri(form.originForm());
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  /** The target is dialled: the request goes out, and its response is read. */
  void connected(Channel target) {
    this.target = target;
    target
        .pipeline()
        .addLast(PipelineNames.HTTP_CLIENT, new HttpClientCodec(RESPONSES, false, false));
    target.pipeline().addLast(PipelineNames.HTTP_RESPONSE, this);
    requestDone = request instanceof LastHttpContent;
    toTarget(request);
    target.read();
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
        .writeAndFlush(msg)
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
    boolean ends = finalResponse && object instanceof LastHttpContent;
    writesToClient++;
    client
        .writeAndFlush(object)
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

  /** Readies a response head for the client; false if it cannot be forwarded (then aborted). */
  private boolean response(HttpResponse response) {
    status = response.status().code();
    if (status == 101) {
      abort("the target switched protocols, which tailgate does not forward");
      return false;
    }
    finalResponse = status >= 200;
    HttpHeaders headers = response.headers();
    HopByHop.strip(headers);
    headers.add(HttpHeaderNames.VIA, VIA);
    if (!finalResponse) {
      return true;
    }
    boolean bodiless = head || status == 204 || status == 304;
    boolean chunked = HttpUtil.isTransferEncodingChunked(response);
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

  /** The response is complete at the client. */
  private void finish() {
    over = true;
    target.close();
    record("target");
    // A body the target did not wait for is still on its way: the connection cannot go on.
    forwarder.ended(keepAlive && !closeClient && requestDone);
  }

  /** The exchange cannot complete: tailgate answers 502 if it can still, else cuts the client. */
  private void abort(String reason) {
    if (over) {
      return;
    }
    over = true;
    target.close();
    if (status == 0 || !finalResponse) {
      forwarder.failedBeforeResponse(reason);
      return;
    }
    state.fail("error", reason);
    state.closedBy("target");
    record("target");
    client.close();
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

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    abort("target side: " + DialErrors.oneLine(cause));
  }
}
