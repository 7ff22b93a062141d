package dev.tailgate.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.NettyRuntime;
import java.time.Duration;

/** Epoll where the platform has it, NIO otherwise. */
public enum Transports {
  EPOLL(EpollServerSocketChannel.class, EpollSocketChannel.class),
  NIO(NioServerSocketChannel.class, NioSocketChannel.class);

  private final Class<? extends ServerChannel> serverChannel;
  private final Class<? extends SocketChannel> socketChannel;

  Transports(
      Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {
    this.serverChannel = serverChannel;
    this.socketChannel = socketChannel;
  }

  /** The best transport this machine has. */
  public static Transports best() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /**
   * A new event loop group of this transport with {@code threads} loops; 0: one per core, or as
   * many as netty's {@code io.netty.eventLoopThreads} says. Netty's own default is two per core: on
   * a small machine the extra loops only add thread hand-offs (a connection accepted on one loop is
   * served on the next; each wakes from epoll on its own), about 5 context switches per relayed
   * connection against 3 to 4 with one loop per core on two cores (docs/decisions/0014).
   */
  public EventLoopGroup newGroup(int threads) {
    IoHandlerFactory io = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads > 0 ? threads : defaultLoops(), io);
  }

  /** Loops in a group made with 0 threads. */
  static int defaultLoops() {
    return Math.max(
        1, Integer.getInteger("io.netty.eventLoopThreads", NettyRuntime.availableProcessors()));
  }

  /** The most one read of a leg takes, in bytes ({@link #READS}). */
  static final int MAX_READ = 256 * 1024;

  /**
   * How every leg reads, client's and target's: netty's adaptive sizes (from 2 KiB, growing after
   * reads that fill the buffer, shrinking after ones that do not), up to {@link #MAX_READ} instead
   * of netty's 64 KiB. With auto-read off for backpressure, each read is one buffer, written to the
   * other leg before the next is asked for, so a bulk stream costs a turn of the loop and its
   * system calls per buffer: at 64 KiB one stream ran at 1,160-1,240 MiB/s for 0.82-0.90 CPU-s per
   * GiB, at 256 KiB at 1,710-1,760 for 0.47-0.57 (decision 14, amended). Only a leg that keeps
   * filling its buffer grows it, so a held or interactive connection's stays small; one in bulk
   * holds at most one buffer per direction, beside the kernel's socket buffers of several MiB.
   */
  static final RecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ);

  /**
   * A bootstrap for an outbound leg on {@code loop} (the client's own loop): auto-read off, half
   * closure allowed, reads as {@link #READS}, and the dial timeout; callers add their handler when
   * they have one.
   *
   * <p>No Nagle on either leg without asking: netty's socket channels of both transports set
   * TCP_NODELAY when created, and asking again cost a second setsockopt for each leg of every
   * connection.
   */
  Bootstrap outbound(EventLoop loop, Duration dialTimeout) {
    return new Bootstrap()
        .group(loop)
        .channel(socketChannel)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.RECVBUF_ALLOCATOR, READS)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) dialTimeout.toMillis())
        .handler(Idle.INSTANCE);
  }

  /** The handler of an outbound leg before the relay adds its own: passes everything on. */
  @ChannelHandler.Sharable
  private static final class Idle extends ChannelInboundHandlerAdapter {
    static final Idle INSTANCE = new Idle();
  }

  public Class<? extends ServerChannel> serverChannel() {
    return serverChannel;
  }

  Class<? extends SocketChannel> socketChannel() {
    return socketChannel;
  }
}
