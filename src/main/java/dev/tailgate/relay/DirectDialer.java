package dev.tailgate.relay;

import dev.tailgate.policy.Allowlist;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Dials targets from this host: for use without tailscale, and for tests. Names are resolved on a
 * small pool of its own, never on an event loop.
 */
public final class DirectDialer implements UpstreamDialer, AutoCloseable {
  private final Transports transport;
  private final Duration dialTimeout;
  private final ExecutorService resolver =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "tailgate-resolver");
            t.setDaemon(true);
            return t;
          });

  /**
   * Whether a name that resolves to loopback, link-local or unspecified addresses is refused: for
   * targets a rule sends {@code via direct}, where this host's resolver, not tailscaled, answers.
   */
  private final boolean guarded;

  public DirectDialer(Transports transport, Duration dialTimeout) {
    this(transport, dialTimeout, false);
  }

  DirectDialer(Transports transport, Duration dialTimeout, boolean guarded) {
    this.transport = transport;
    this.dialTimeout = dialTimeout;
    this.guarded = guarded;
  }

  @Override
  public Future<Channel> dial(Channel inbound, String host, int port) {
    Promise<Channel> promise = inbound.eventLoop().newPromise();
    String target = host + ":" + port;
    byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
    if (literal != null) {
      connect(inbound, literal, host, port, promise);
      return promise;
    }
    CompletableFuture.supplyAsync(() -> lookup(host), resolver)
        .whenComplete(
            (address, error) ->
                inbound
                    .eventLoop()
                    .execute(
                        () -> {
                          String refusal =
                              error != null || !guarded
                                  ? null
                                  : Allowlist.refusesResolved(host, address.getHostAddress());
                          if (error != null) {
                            promise.tryFailure(
                                new DialException(
                                    DialErrors.direct(target, error.getCause()), error));
                          } else if (refusal != null) {
                            promise.tryFailure(
                                new DialException(DialFailure.notAllowed(refusal), null));
                          } else {
                            connect(inbound, address.getAddress(), host, port, promise);
                          }
                        }));
    return promise;
  }

  private static InetAddress lookup(String host) {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  private void connect(
      Channel inbound, byte[] address, String host, int port, Promise<Channel> promise) {
    InetSocketAddress remote;
    try {
      remote = new InetSocketAddress(InetAddress.getByAddress(host, address), port);
    } catch (UnknownHostException e) {
      promise.tryFailure(new DialException(DialErrors.direct(host + ":" + port, e), e));
      return;
    }
    ChannelFuture connect = transport.outbound(inbound.eventLoop(), dialTimeout).connect(remote);
    connect.addListener(
        (ChannelFuture f) -> {
          if (f.isSuccess()) {
            promise.trySuccess(f.channel());
          } else {
            promise.tryFailure(
                new DialException(DialErrors.direct(host + ":" + port, f.cause()), f.cause()));
          }
        });
  }

  @Override
  public String describe() {
    return "direct";
  }

  @Override
  public void close() {
    resolver.shutdownNow();
  }
}
