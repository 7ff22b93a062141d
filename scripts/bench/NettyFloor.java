// The least a netty SOCKS5 relay can do, for scripts/bench-relay.sh --netty-floor: no-auth SOCKS5
// CONNECT with netty's own codecs (the ones tailgate uses), a direct dial with Bootstrap and a
// splice, on epoll with two event loops. No allowlist, no log line, no limits, no metrics, no
// identity lookup: what tailgate adds on top of netty is what the bench shows between the two.
// Run from source, with tailgate's jar for netty: java -cp target/tailgate.jar NettyFloor.java PORT
// Loopback only; a benchmark's reference, not a proxy to use.
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import java.net.InetSocketAddress;

public final class NettyFloor {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    Channel listener =
        new ServerBootstrap()
            .group(loops)
            .channel(EpollServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast("encoder", Socks5ServerEncoder.DEFAULT)
                        .addLast("greeting", new Socks5InitialRequestDecoder())
                        .addLast("handshake", new Handshake());
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", port))
            .sync()
            .channel();
    System.err.println("netty-floor: listening on 127.0.0.1:" + port);
    listener.closeFuture().sync();
  }

  /** The greeting (no auth only), then one CONNECT, then the splice. */
  static final class Handshake extends SimpleChannelInboundHandler<Object> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Socks5InitialRequest) {
        ctx.pipeline().replace("greeting", "request", new Socks5CommandRequestDecoder());
        ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.NO_AUTH));
        return;
      }
      if (!(msg instanceof Socks5CommandRequest request)
          || request.type() != Socks5CommandType.CONNECT) {
        ctx.close();
        return;
      }
      Channel client = ctx.channel();
      client.config().setAutoRead(false);
      new Bootstrap()
          .group(client.eventLoop())
          .channel(EpollSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.AUTO_READ, false)
          .handler(new Splice(client))
          .connect(request.dstAddr(), request.dstPort())
          .addListener(
              (ChannelFutureListener)
                  dial -> {
                    if (!dial.isSuccess()) {
                      client
                          .writeAndFlush(
                              new DefaultSocks5CommandResponse(
                                  Socks5CommandStatus.FAILURE, Socks5AddressType.IPv4))
                          .addListener(ChannelFutureListener.CLOSE);
                      return;
                    }
                    Channel target = dial.channel();
                    client
                        .writeAndFlush(
                            new DefaultSocks5CommandResponse(
                                Socks5CommandStatus.SUCCESS, Socks5AddressType.IPv4, "0.0.0.0", 0))
                        .addListener(
                            (ChannelFutureListener)
                                done -> {
                                  ctx.pipeline().remove("request");
                                  ctx.pipeline().remove("encoder");
                                  ctx.pipeline().replace(this, "splice", new Splice(target));
                                  client.config().setAutoRead(true);
                                  target.config().setAutoRead(true);
                                });
                  });
    }
  }

  /** Writes what one side reads to the other; closes both when either ends. */
  static final class Splice extends ChannelInboundHandlerAdapter {
    private final Channel other;

    Splice(Channel other) {
      this.other = other;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      other.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
