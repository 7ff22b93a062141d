package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Upstream connections of forwarded HTTP requests whose response ended cleanly, kept for the next
 * request to the same target (and the same way there: through the upstream or direct), so that a
 * client fetching many URLs from one host does not pay a dial, and through tailscaled a SOCKS5
 * handshake, for each. A connection is taken by one request at a time and only ever idle here; each
 * request has been judged by the allowlist before it asks.
 *
 * <p>Bounded: at most {@link #PER_TARGET} idle per target on one event loop and {@link #TOTAL} in
 * all; one more is closed instead of kept. An idle connection is closed after {@link #IDLE} or as
 * soon as the target closes it or sends anything. Connections are kept per event loop (a client's
 * target lives on the client's loop), so each loop's share is touched by that loop only.
 */
final class IdleConnections {
  static final int PER_TARGET = 8;
  static final int TOTAL = 256;
  static final Duration IDLE = Duration.ofSeconds(30);

  /** Where a connection goes, and how many requests it has carried. */
  private static final AttributeKey<Use> USE = AttributeKey.valueOf("tailgate.upstream.use");

  /** A target as dialled: the route, the host as dialled and the port. */
  record Target(String route, String host, int port) {}

  private static final class Use {
    final Target target;
    int requests;

    Use(Target target) {
      this.target = target;
    }
  }

  private final Map<EventExecutor, Map<Target, ArrayDeque<Channel>>> loops =
      new ConcurrentHashMap<>();
  private final AtomicInteger idle = new AtomicInteger();
  private final Duration idleTimeout;

  IdleConnections(Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  /** An idle connection to {@code target} for {@code client}'s next request, or {@code null}. */
  Channel take(Channel client, Target target) {
    ArrayDeque<Channel> parked = parked(client.eventLoop()).get(target);
    Channel ch;
    while (parked != null && (ch = parked.peekLast()) != null) {
      // Its watcher leaves the queue as it goes, and stops watching.
      ch.pipeline().remove(Parked.class);
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /** Marks a freshly dialled connection as one that may come back here. */
  static void dialled(Channel ch, Target target) {
    ch.attr(USE).set(new Use(target));
  }

  /** Whether {@code ch} carried a request before the one it carries now. */
  static boolean reused(Channel ch) {
    Use use = ch.attr(USE).get();
    return use != null && use.requests > 1;
  }

  /** Counts a request on {@code ch}. */
  static void carries(Channel ch) {
    Use use = ch.attr(USE).get();
    if (use != null) {
      use.requests++;
    }
  }

  /**
   * Keeps {@code ch}, whose exchange ended cleanly (its HTTP codec stays, between messages), or
   * closes it when it cannot be reused or the bounds are reached.
   */
  void offer(Channel ch) {
    Use use = ch.attr(USE).get();
    if (use == null
        || !ch.isActive()
        || (ch instanceof DuplexChannel duplex && duplex.isInputShutdown())) {
      ch.close();
      return;
    }
    Map<Target, ArrayDeque<Channel>> loop = parked(ch.eventLoop());
    ArrayDeque<Channel> parked = loop.computeIfAbsent(use.target, t -> new ArrayDeque<>());
    if (parked.size() >= PER_TARGET) {
      ch.close();
      return;
    }
    if (idle.incrementAndGet() > TOTAL) {
      idle.decrementAndGet();
      ch.close();
      return;
    }
    parked.addLast(ch);
    ch.pipeline().addLast(new Parked(loop, use.target, parked));
    ch.read();
  }

  /** Closes every idle connection to {@code ch}'s target: one was found broken. */
  void evict(Channel ch) {
    Use use = ch.attr(USE).get();
    Map<Target, ArrayDeque<Channel>> loop = use == null ? null : loops.get(ch.eventLoop());
    ArrayDeque<Channel> parked = loop == null ? null : loop.get(use.target);
    if (parked != null) {
      List.copyOf(parked).forEach(Channel::close);
    }
  }

  /** How many connections are idle here now. */
  int idle() {
    return idle.get();
  }

  private Map<Target, ArrayDeque<Channel>> parked(EventExecutor loop) {
    return loops.computeIfAbsent(loop, l -> new HashMap<>());
  }

  /**
   * Watches an idle connection: closes it when idle too long, or when the target speaks (a response
   * no request asked for, decoded by the codec in front, or bytes).
   */
  private final class Parked extends ChannelInboundHandlerAdapter {
    private final Map<Target, ArrayDeque<Channel>> loop;
    private final Target target;
    private final ArrayDeque<Channel> queue;
    private ScheduledFuture<?> expiry;

    Parked(Map<Target, ArrayDeque<Channel>> loop, Target target, ArrayDeque<Channel> queue) {
      this.loop = loop;
      this.target = target;
      this.queue = queue;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      expiry =
          ctx.executor().schedule(() -> leave(ctx), idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Taken for a request, or closed: either way no longer idle here. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      expiry.cancel(false);
      if (queue.remove(ctx.channel())) {
        idle.decrementAndGet();
        if (queue.isEmpty()) {
          loop.remove(target, queue);
        }
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      leave(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      leave(ctx);
    }

    /** The target closed its side (upstream legs allow half-closure). */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      ReferenceCountUtil.release(evt);
      leave(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      leave(ctx);
    }

    private void leave(ChannelHandlerContext ctx) {
      ctx.pipeline().remove(this);
      ctx.close();
    }
  }
}
