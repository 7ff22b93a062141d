package dev.tailgate.localapi;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST DOUBLE of tailscaled's LocalAPI on a unix socket, for tailgate's tests only.
 *
 * <p>It copies what tailscaled's ipn/localapi handler documents and does: 403 "invalid localapi
 * request" when the Host header is neither empty nor {@code local-tailscaled.sock} or when an
 * Origin or Referer is present; 404 for unknown paths; the status as tab-indented JSON; {@code
 * watch-ipn-bus} as a chunked stream of JSON lines, refused with 403 when the caller is not root
 * and the mask lacks NotifyNoPrivateKeys (16). Errors are Go's http.Error: text/plain, message plus
 * newline.
 */
final class FakeTailscaledLocalApi implements AutoCloseable {
  record Request(String method, String uri, String host, String origin, String referer) {}

  private final Channel server;
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger openedConnections = new AtomicInteger();
  final AtomicInteger closedConnections = new AtomicInteger();

  private volatile byte[] statusJson = "{}".getBytes(UTF_8);
  private volatile HttpResponseStatus failWith;
  private volatile String failBody;
  private volatile boolean silent;
  private volatile List<String> watchChunks = List.of();
  private volatile boolean watchEnds = true;

  private FakeTailscaledLocalApi(EventLoopGroup group, Path socket) throws InterruptedException {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(EpollServerDomainSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    connections.add(ch);
                    openedConnections.incrementAndGet();
                    ch.closeFuture()
                        .addListener(
                            f -> {
                              connections.remove(ch);
                              closedConnections.incrementAndGet();
                            });
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(64 * 1024))
                        .addLast(new Handler());
                  }
                })
            .bind(new DomainSocketAddress(socket.toString()))
            .sync()
            .channel();
  }

  static FakeTailscaledLocalApi start(EventLoopGroup group, Path socket)
      throws InterruptedException {
    return new FakeTailscaledLocalApi(group, socket);
  }

  FakeTailscaledLocalApi statusJson(byte[] json) {
    statusJson = json;
    return this;
  }

  /** Answer every valid request with this status and Go's http.Error body. */
  FakeTailscaledLocalApi failWith(int code, String message) {
    failWith = HttpResponseStatus.valueOf(code);
    failBody = message;
    return this;
  }

  /** Read requests but never answer, like a wedged daemon. */
  FakeTailscaledLocalApi silent() {
    silent = true;
    return this;
  }

  /** What watch-ipn-bus sends, chunk by chunk, and whether it then ends the response. */
  FakeTailscaledLocalApi watch(List<String> chunks, boolean ends) {
    watchChunks = List.copyOf(chunks);
    watchEnds = ends;
    return this;
  }

  /** Drop every connection, as when tailscaled exits. */
  void dropConnections() {
    connections.forEach(Channel::close);
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    dropConnections();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String host = req.headers().get(HttpHeaderNames.HOST);
      String origin = req.headers().get(HttpHeaderNames.ORIGIN);
      String referer = req.headers().get(HttpHeaderNames.REFERER);
      requests.add(new Request(req.method().name(), req.uri(), host, origin, referer));
      if (origin != null
          || referer != null
          || !(host == null || LocalApiClient.HOST.equals(host))) {
        error(ctx, HttpResponseStatus.FORBIDDEN, "invalid localapi request");
        return;
      }
      if (silent) {
        return;
      }
      if (failWith != null) {
        error(ctx, failWith, failBody);
        return;
      }
      QueryStringDecoder uri = new QueryStringDecoder(req.uri());
      switch (uri.path()) {
        case "/localapi/v0/status":
          json(ctx, statusJson);
          break;
        case "/localapi/v0/watch-ipn-bus":
          long mask = Long.parseLong(uri.parameters().getOrDefault("mask", List.of("0")).get(0));
          if ((mask & 16) == 0) {
            error(
                ctx,
                HttpResponseStatus.FORBIDDEN,
                "watch IPN bus access denied, must set ipn.NotifyNoPrivateKeys when not running"
                    + " as admin/root or operator");
          } else {
            stream(ctx);
          }
          break;
        default:
          error(ctx, HttpResponseStatus.NOT_FOUND, "404 page not found");
      }
    }

    private void json(ChannelHandlerContext ctx, byte[] body) {
      DefaultFullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    private void error(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
      byte[] body = (message + "\n").getBytes(UTF_8);
      DefaultFullHttpResponse res =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
      res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      res.headers().set("X-Content-Type-Options", "nosniff");
      res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    private void stream(ChannelHandlerContext ctx) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      ctx.writeAndFlush(head);
      for (String chunk : watchChunks) {
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(chunk, UTF_8)));
      }
      if (watchEnds) {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
            .addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
