package dev.tailgate.web;

import dev.tailgate.base.BasicAuth;
import dev.tailgate.relay.Credentials;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Optional;

/**
 * Serves {@link AdminRoutes} over HTTP/1.1: GET and HEAD only (read-only), HTTP Basic when
 * credentials are set, and headers that keep a browser from caching, sniffing or framing it.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final AdminRoutes routes;
  private final Credentials credentials;

  AdminHandler(AdminRoutes routes, Credentials credentials) {
    this.routes = routes;
    this.credentials = credentials;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    AdminRoutes.Response answer;
    if (!request.decoderResult().isSuccess()) {
      answer = AdminRoutes.Response.text(400, "text/plain; charset=utf-8", "bad request\n");
    } else if (!HttpMethod.GET.equals(request.method())
        && !HttpMethod.HEAD.equals(request.method())) {
      answer =
          AdminRoutes.Response.text(405, "text/plain; charset=utf-8", "read-only: GET or HEAD\n");
    } else if (credentials != null
        && !BasicAuth.accepts(
            request.headers().get(HttpHeaderNames.AUTHORIZATION), credentials::check)) {
      answer =
          AdminRoutes.Response.text(401, "text/plain; charset=utf-8", "authentication required\n");
    } else {
      QueryStringDecoder uri = new QueryStringDecoder(request.uri());
      List<String> format = uri.parameters().get("format");
      answer = routes.route(uri.path(), Optional.ofNullable(format).map(f -> f.get(0)));
    }
    respond(ctx, request, answer);
  }

  private static void respond(
      ChannelHandlerContext ctx, FullHttpRequest request, AdminRoutes.Response answer) {
    boolean head = HttpMethod.HEAD.equals(request.method());
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(answer.status()),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(answer.body()));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
        .set(HttpHeaderNames.CONTENT_LENGTH, answer.body().length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, "default-src 'self'; connect-src 'self'");
    if (answer.status() == 401) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"tailgate admin\"");
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request) && answer.status() < 400;
    HttpUtil.setKeepAlive(response, keepAlive);
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
