package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bounds of {@link IdleConnections} on connections that share one event loop, as a client's
 * targets do: in-VM channels on a single-threaded loop, every step run on it and every wait
 * bounded, so a broken bound fails rather than hangs.
 */
class IdleConnectionsLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  /** The targets' side of each connection: accepted and left alone. */
  private static final ChannelInitializer<Channel> ACCEPTED =
      new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel ch) {}
      };

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
  private final EventLoop loop = group.next();
  private final List<Channel> opened = new ArrayList<>();
  private LocalAddress address;
  private Channel server;

  @BeforeEach
  void listen() throws Exception {
    address = new LocalAddress("idle-limits-" + System.nanoTime());
    server =
        done(
            new ServerBootstrap()
                .group(group)
                .channel(LocalServerChannel.class)
                .childHandler(ACCEPTED)
                .bind(address));
  }

  @AfterEach
  void close() {
    opened.forEach(Channel::close);
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(WAIT.toMillis());
  }

  /** A connection on the shared loop, dialled for {@code target} and carrying one request. */
  private Channel dialled(IdleConnections.Target target) throws Exception {
    Channel ch =
        done(
            new Bootstrap()
                .group(loop)
                .channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(address));
    opened.add(ch);
    onLoop(
        () -> {
          IdleConnections.dialled(ch, target);
          IdleConnections.carries(ch);
          return null;
        });
    return ch;
  }

  /** The channel of {@code f} once it succeeded, waiting a bounded time. */
  private static Channel done(ChannelFuture f) throws InterruptedException {
    assertThat(f.await(WAIT.toMillis())).as("done within %s", WAIT).isTrue();
    assertThat(f.isSuccess()).isTrue();
    return f.channel();
  }

  private <T> T onLoop(Callable<T> step) throws Exception {
    return loop.submit(step).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static IdleConnections.Target target(int i) {
    return new IdleConnections.Target("socks5", "web" + i + ".example.ts.net", 80);
  }

  private static boolean closedWithin(Channel ch, Duration wait) {
    return ch.closeFuture().awaitUninterruptibly(wait.toMillis());
  }

  @Test
  void keepsAtMostEightIdlePerTargetOnOneLoopAndClosesTheNinth() throws Exception {
    IdleConnections idle = new IdleConnections(Duration.ofSeconds(30));
    List<Channel> web = new ArrayList<>();
    for (int i = 0; i <= IdleConnections.PER_TARGET; i++) {
      web.add(dialled(target(0)));
    }
    Channel other = dialled(target(1));

    for (Channel ch : web) {
      onLoop(() -> offer(idle, ch));
    }
    onLoop(() -> offer(idle, other));

    Channel ninth = web.get(IdleConnections.PER_TARGET);
    assertThat(closedWithin(ninth, WAIT)).as("the ninth to one target is closed").isTrue();
    assertThat(web.subList(0, IdleConnections.PER_TARGET)).allMatch(Channel::isActive);
    assertThat(other.isActive()).as("another target has a bound of its own").isTrue();
    assertThat(idle.idle()).isEqualTo(IdleConnections.PER_TARGET + 1);

    Channel taken = onLoop(() -> idle.take(other, target(0)));
    assertThat(web).contains(taken);
    assertThat(idle.idle()).isEqualTo(IdleConnections.PER_TARGET);
    Channel fresh = dialled(target(0));
    onLoop(() -> offer(idle, fresh));
    assertThat(fresh.isActive()).as("room again once one was taken").isTrue();
    assertThat(idle.idle()).isEqualTo(IdleConnections.PER_TARGET + 1);
  }

  @Test
  void keepsAtMost256IdleInAllAndClosesOneMore() throws Exception {
    IdleConnections idle = new IdleConnections(Duration.ofSeconds(30));
    int targets = IdleConnections.TOTAL / IdleConnections.PER_TARGET;
    for (int t = 0; t < targets; t++) {
      for (int i = 0; i < IdleConnections.PER_TARGET; i++) {
        Channel ch = dialled(target(t));
        onLoop(() -> offer(idle, ch));
      }
    }
    assertThat(idle.idle()).isEqualTo(IdleConnections.TOTAL);
    assertThat(opened).allMatch(Channel::isActive);

    Channel over = dialled(target(targets));
    onLoop(() -> offer(idle, over));

    assertThat(closedWithin(over, WAIT)).as("one more than the total is closed").isTrue();
    assertThat(idle.idle()).isEqualTo(IdleConnections.TOTAL);
    Channel taken = onLoop(() -> idle.take(over, target(0)));
    assertThat(taken).isNotNull();
    Channel fresh = dialled(target(targets));
    onLoop(() -> offer(idle, fresh));
    assertThat(fresh.isActive()).isTrue();
    assertThat(idle.idle()).isEqualTo(IdleConnections.TOTAL);
  }

  @Test
  void closesAConnectionIdleTooLongButNotOneTakenBeforeThen() throws Exception {
    Duration timeout = Duration.ofMillis(200);
    IdleConnections idle = new IdleConnections(timeout);
    Channel left = dialled(target(0));
    Channel taken = dialled(target(1));
    onLoop(() -> offer(idle, left));
    onLoop(() -> offer(idle, taken));
    assertThat(onLoop(() -> idle.take(taken, target(1)))).isSameAs(taken);

    assertThat(closedWithin(left, WAIT)).as("closed after its idle time").isTrue();
    assertThat(closedWithin(taken, timeout.multipliedBy(3)))
        .as("a taken connection's timer stopped")
        .isFalse();
    assertThat(idle.idle()).isZero();
    assertThat(onLoop(() -> idle.take(left, target(0)))).isNull();
  }

  private static Void offer(IdleConnections idle, Channel ch) {
    idle.offer(ch);
    return null;
  }
}
