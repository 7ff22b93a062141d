package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TransportsTest {

  @Test
  void aDefaultGroupHasOneLoopPerCoreNotNettysTwo() {
    EventLoopGroup group = Transports.best().newGroup(0);
    try {
      int loops = 0;
      for (EventExecutor ignored : group) {
        loops++;
      }
      int expected =
          Integer.getInteger("io.netty.eventLoopThreads", NettyRuntime.availableProcessors());
      assertThat(loops).isEqualTo(expected);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Both legs of a tunnel go without Nagle though the relay no longer asks: netty's default. */
  @ParameterizedTest
  @EnumSource(Transports.class)
  void bothLegsHaveNoDelayWithoutAsking(Transports transport) throws Exception {
    EventLoopGroup group = transport.newGroup(1);
    try {
      CompletableFuture<Boolean> accepted = new CompletableFuture<>();
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(transport.serverChannel())
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      accepted.complete(ch.config().getOption(ChannelOption.TCP_NODELAY));
                    }
                  })
              .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .sync()
              .channel();
      try {
        Channel outbound =
            transport
                .outbound(group.next(), Duration.ofSeconds(5))
                .connect(server.localAddress())
                .sync()
                .channel();
        assertThat(outbound.config().getOption(ChannelOption.TCP_NODELAY)).isTrue();
        assertThat(accepted.get(5, TimeUnit.SECONDS)).isTrue();
        outbound.close().sync();
      } finally {
        server.close().sync();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
