package dev.tailgate.relay;

import dev.tailgate.base.BasicAuth;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 {@code CONNECT host:port}: 200 once the tunnel is up; 400 for a malformed request, 407
 * when credentials are required, 403 when the allowlist refuses, 502 when the dial fails and 504
 * when it times out. A request with any other method goes to {@link HttpForwarder}.
 */
final class HttpConnectHandshake extends ChannelInboundHandlerAdapter implements Replies {
  private static final HttpResponseStatus ESTABLISHED =
      new HttpResponseStatus(200, "Connection established");

  private final Tunneler tunneler;
  private final Credentials credentials;

  HttpConnectHandshake(Tunneler tunneler, Credentials credentials) {
    this.tunneler = tunneler;
    this.credentials = credentials;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ConnectionState state = ConnectionState.of(ctx.channel());
    if (msg instanceof ByteBuf buf) {
      state.holdEarlyData(buf);
    } else if (msg instanceof HttpRequest request
        && request.decoderResult().isSuccess()
        && !HttpMethod.CONNECT.equals(request.method())) {
      // Any other method is a request to forward; the decoder stays for the requests after it.
      ctx.pipeline()
          .replace(this, PipelineNames.HTTP_FORWARDER, new HttpForwarder(tunneler, credentials));
      ctx.fireChannelRead(msg);
    } else if (msg instanceof HttpRequest request && state.targetHost == null) {
      // Stop parsing HTTP at once: what follows the request belongs to the tunnel.
      ctx.pipeline().remove(PipelineNames.HTTP_DECODER);
      request(ctx, request, state);
      ReferenceCountUtil.release(msg);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void request(ChannelHandlerContext ctx, HttpRequest request, ConnectionState state) {
    if (request.decoderResult().cause() instanceof PrematureChannelClosureException
        && HandshakeHangup.hungUp(ctx, HandshakeHangup.CLOSED)) {
      return; // the client's EOF mid-request, which netty reports as a malformed request
    }
    if (request.decoderResult().isFailure()) {
      RequestChecks.Refusal malformed = RequestChecks.malformed(request.decoderResult().cause());
      refuse(ctx, state, malformed.status(), "protocol_error", malformed.reason());
      return;
    }
    if (credentials != null
        && !BasicAuth.accepts(
            request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION), credentials::check)) {
      refuse(
          ctx,
          state,
          HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
          "denied",
          "proxy authentication required");
      return;
    }
    TunnelRequest target = Authority.parse(request.uri());
    if (target == null) {
      refuse(
          ctx,
          state,
          HttpResponseStatus.BAD_REQUEST,
          "protocol_error",
          "CONNECT target must be host:port");
      return;
    }
    tunneler.open(ctx, target, this);
  }

  private void refuse(
      ChannelHandlerContext ctx,
      ConnectionState state,
      HttpResponseStatus status,
      String result,
      String reason) {
    state.cancelHandshakeDeadline();
    state.fail(result, reason);
    state.closedBy("relay");
    respond(ctx, status, reason).addListener(ChannelFutureListener.CLOSE);
  }

  static ChannelFuture respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (status.equals(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED)) {
      response.headers().set(HttpHeaderNames.PROXY_AUTHENTICATE, "Basic realm=\"tailgate\"");
    }
    return ctx.writeAndFlush(response);
  }

  @Override
  public ChannelFuture success(ChannelHandlerContext ctx) {
    return ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ESTABLISHED));
  }

  @Override
  public ChannelFuture denied(ChannelHandlerContext ctx, String reason) {
    return respond(ctx, HttpResponseStatus.FORBIDDEN, "tailgate: " + reason);
  }

  @Override
  public ChannelFuture overLimit(ChannelHandlerContext ctx, String reason) {
    return respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "tailgate: " + reason);
  }

  @Override
  public ChannelFuture failed(ChannelHandlerContext ctx, DialFailure failure) {
    return respond(ctx, status(failure), "tailgate: " + failure.reason());
  }

  /**
   * The status for a failed dial: 403 when it was refused (a direct name that resolved to this
   * host, or an upstream's "not allowed"), not the target's fault; 504 for a timeout; else 502.
   */
  static HttpResponseStatus status(DialFailure failure) {
    if (failure.isRefusal()) {
      return HttpResponseStatus.FORBIDDEN;
    }
    return failure.isTimeout()
        ? HttpResponseStatus.GATEWAY_TIMEOUT
        : HttpResponseStatus.BAD_GATEWAY;
  }

  /** Reads the authority form {@code host:port} or {@code [v6]:port}. */
  static final class Authority {
    private Authority() {}

    static TunnelRequest parse(String uri) {
      int colon = uri.lastIndexOf(':');
      if (colon <= 0 || colon == uri.length() - 1) {
        return null;
      }
      String host = uri.substring(0, colon);
      if (host.startsWith("[") != host.endsWith("]")) {
        return null;
      }
      if (host.startsWith("[")) {
        host = host.substring(1, host.length() - 1);
      } else if (host.indexOf(':') >= 0 || host.indexOf('/') >= 0) {
        return null;
      }
      String digits = uri.substring(colon + 1);
      if (host.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)) {
        return null;
      }
      int port = Integer.parseInt(digits);
      return port >= 1 && port <= 65535 ? new TunnelRequest(host, port) : null;
    }
  }
}
