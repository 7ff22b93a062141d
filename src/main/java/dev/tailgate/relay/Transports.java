package dev.tailgate.relay;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

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

  /** A new event loop group of this transport with {@code threads} loops (0: netty's default). */
  public EventLoopGroup newGroup(int threads) {
    IoHandlerFactory io = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, io);
  }

  Class<? extends ServerChannel> serverChannel() {
    return serverChannel;
  }

  Class<? extends SocketChannel> socketChannel() {
    return socketChannel;
  }
}
