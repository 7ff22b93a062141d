package dev.tailgate.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.base.Messages;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Talks HTTP/1.1 to tailscaled's LocalAPI over its unix socket, one connection per call, on event
 * loops the caller owns (pipelines in {@link LocalApiPipelines}).
 *
 * <p>Every request carries {@code Host: local-tailscaled.sock} and no Origin or Referer, which
 * tailscaled requires. Futures complete on an event loop: callbacks must not block.
 */
public final class LocalApiClient implements AutoCloseable {
  public static final String HOST = "local-tailscaled.sock";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private final EventLoopGroup group;
  private final Path socket;
  private final Duration timeout;
  private final Set<Runnable> cancellers = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public LocalApiClient(EventLoopGroup group, Path socket) {
    this(group, socket, DEFAULT_TIMEOUT);
  }

  /**
   * @param group an epoll group, e.g. {@code new MultiThreadIoEventLoopGroup(1,
   *     EpollIoHandler.newFactory())}; not closed by {@link #close()}
   * @param socket tailscaled's {@code --socket}
   * @param timeout how long a call may wait for tailscaled's answer (for a watch: its headers)
   * @throws IllegalStateException if netty's native epoll transport is not available
   * @throws IllegalArgumentException if {@code group} does not run epoll
   */
  public LocalApiClient(EventLoopGroup group, Path socket, Duration timeout) {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException(
          "tailscaled's LocalAPI needs netty's native epoll transport, which is not available here ("
              + Epoll.unavailabilityCause()
              + "): tailgate runs on Linux x86_64");
    }
    if (!(group instanceof IoEventLoopGroup)
        || !((IoEventLoopGroup) group).isIoType(EpollIoHandler.class)) {
      throw new IllegalArgumentException(
          "LocalApiClient needs an epoll event loop group (EpollIoHandler), not " + group);
    }
    this.group = group;
    this.socket = socket;
    this.timeout = timeout;
  }

  /** {@code GET /localapi/v0/status}. Fails with a {@link LocalApiException}. */
  public CompletableFuture<TailscaleStatus> status() {
    CompletableFuture<TailscaleStatus> status = new CompletableFuture<>();
    get("/localapi/v0/status")
        .whenComplete(
            (body, error) -> {
              if (error != null) {
                status.completeExceptionally(error);
                return;
              }
              try {
                status.complete(TailscaleStatus.parse(body));
              } catch (IOException e) {
                status.completeExceptionally(
                    new LocalApiException("tailscaled's status is not the JSON expected", e));
              }
            });
    return status;
  }

  /**
   * {@code GET /localapi/v0/watch-ipn-bus?mask=N}: calls {@code onNotify} with each {@code
   * ipn.Notify} as tailscaled sends it, on an event loop, until the stream ends or is closed.
   * {@link IpnBusMask#NO_PRIVATE_KEYS} is always added to the mask: tailgate never needs the keys,
   * and tailscaled refuses non-root watchers that do not ask for it.
   */
  public IpnBusWatch watchIpnBus(int mask, Consumer<JsonNode> onNotify) {
    if (mask < 0) {
      throw new IllegalArgumentException("mask must not be negative");
    }
    String path = "/localapi/v0/watch-ipn-bus?mask=" + (mask | IpnBusMask.NO_PRIVATE_KEYS);
    IpnBusWatch watch = new IpnBusWatch("GET " + path);
    if (closed) {
      watch.fail(clientClosed());
      return watch;
    }
    EventLoop loop = group.next();
    Channel channel =
        open(loop, HttpMethod.GET, path, LocalApiPipelines.ipnBus(watch, onNotify), watch::fail);
    watch.attach(channel);
    // Only the answer's headers are bounded: a running daemon's bus may be quiet for hours.
    track(
        watch::close,
        watch.done(),
        loop,
        () -> {
          if (!watch.isStreaming()) {
            watch.fail(noAnswer(watch.request()));
          }
        });
    return watch;
  }

  /**
   * {@code GET /localapi/v0/prefs}, read for one field: whether the node refuses inbound tailnet
   * connections ({@code ShieldsUp}). Nothing else of the prefs is kept.
   */
  public CompletableFuture<Boolean> shieldsUp() {
    return get("/localapi/v0/prefs")
        .thenApply(
            body -> {
              try {
                return Json.MAPPER.readTree(body).path("ShieldsUp").asBoolean(false);
              } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(
                    new LocalApiException("tailscaled's prefs are not the JSON expected", e));
              }
            });
  }

  /**
   * {@code POST /localapi/v0/logout}, as {@code tailscale logout}: the node key is expired at the
   * control server (an ephemeral node is removed at once) and tailscaled goes to NeedsLogin.
   */
  public CompletableFuture<Void> logout() {
    return call(HttpMethod.POST, "/localapi/v0/logout").thenApply(body -> null);
  }

  private CompletableFuture<byte[]> get(String path) {
    return call(HttpMethod.GET, path);
  }

  private CompletableFuture<byte[]> call(HttpMethod method, String path) {
    CompletableFuture<byte[]> body = new CompletableFuture<>();
    if (closed) {
      body.completeExceptionally(clientClosed());
      return body;
    }
    String request = method + " " + path;
    EventLoop loop = group.next();
    Channel channel =
        open(
            loop,
            method,
            path,
            LocalApiPipelines.oneShot(request, body),
            body::completeExceptionally);
    body.whenComplete((ignored, error) -> channel.close());
    track(
        () -> body.completeExceptionally(clientClosed()),
        body,
        loop,
        () -> body.completeExceptionally(noAnswer(request)));
    return body;
  }

  /** Connects on {@code loop} and sends the request once connected. */
  private Channel open(
      EventLoop loop,
      HttpMethod method,
      String path,
      ChannelHandler initializer,
      Consumer<Throwable> onFailure) {
    ChannelFuture connect =
        new Bootstrap()
            .group(loop)
            .channel(EpollDomainSocketChannel.class)
            .handler(initializer)
            .connect(new DomainSocketAddress(socket.toString()));
    connect.addListener(
        (ChannelFutureListener)
            f -> {
              if (!f.isSuccess()) {
                onFailure.accept(cannotConnect(f.cause()));
                return;
              }
              DefaultFullHttpRequest request =
                  new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path);
              request.headers().set(HttpHeaderNames.HOST, HOST);
              request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
              f.channel()
                  .writeAndFlush(request)
                  .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            });
    return connect.channel();
  }

  /**
   * Arms {@code onTimeout} on {@code loop} for when the call is still pending after the timeout,
   * and lets {@link #close()} end the call with {@code canceller}, until the call completes.
   */
  private void track(
      Runnable canceller, CompletableFuture<?> call, EventLoop loop, Runnable onTimeout) {
    ScheduledFuture<?> deadline = loop.schedule(onTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
    cancellers.add(canceller);
    call.whenComplete(
        (ignored, error) -> {
          deadline.cancel(false);
          cancellers.remove(canceller);
        });
    if (closed) {
      canceller.run(); // close() ran between our check and cancellers.add
    }
  }

  private static LocalApiException clientClosed() {
    return new LocalApiException("LocalAPI client closed");
  }

  private LocalApiException cannotConnect(Throwable cause) {
    if (!Files.exists(socket)) {
      return new LocalApiException(
          "tailscaled's LocalAPI socket " + socket + " does not exist: is tailscaled running?");
    }
    return new LocalApiException(
        "cannot connect to tailscaled's LocalAPI socket "
            + socket
            + " ("
            + cause.getMessage()
            + "): is tailscaled running?",
        cause);
  }

  private LocalApiException noAnswer(String request) {
    return new LocalApiException(
        "tailscaled did not answer "
            + request
            + " within "
            + Messages.duration(timeout)
            + " on "
            + socket
            + ": it may be wedged");
  }

  /** Ends every call in flight (they fail, watches complete) and refuses new ones. */
  @Override
  public void close() {
    closed = true;
    cancellers.forEach(Runnable::run);
  }
}
