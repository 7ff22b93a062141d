package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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
}
