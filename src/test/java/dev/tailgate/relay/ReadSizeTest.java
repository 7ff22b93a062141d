package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Both legs of a tunnel read up to {@link Transports#MAX_READ} at once, not netty's 64 KiB: the
 * client's leg as the listener accepts it, the target's as the dialer opens it (decision 14,
 * amended: a bulk stream's CPU per GiB).
 */
class ReadSizeTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void bothLegsOfATunnelReadAsTransportsReads() throws Exception {
    EchoServer echo = new EchoServer();
    open.add(echo);
    Transports t = Transports.best();
    EventLoopGroup group = t.newGroup(1);
    open.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync());
    DirectDialer direct = new DirectDialer(t, Duration.ofSeconds(5));
    open.add(direct);
    RelayStats stats = new RelayStats();
    RelayServer relay =
        RelayServer.start(
            LoopbackSettings.with(RelaySettings.Limits.DEFAULT),
            Allowlist.parse(List.of("127.0.0.1:" + echo.port())),
            direct,
            UpstreamGate.OPEN,
            new RecordingLog(),
            stats,
            group,
            t);
    open.add(relay);

    try (Socket tunnel = SocksClient.tunnel(relay.address(), "127.0.0.1", echo.port())) {
      assertThat(SocksClient.echo(tunnel, "bulk or not")).isEqualTo("bulk or not");
      List<Channel> legs = new ArrayList<>();
      for (ConnectionState state : stats.states()) {
        Channel client = state.channel;
        legs.add(client);
        legs.add(client.pipeline().get(RelayHandler.class).peer());
      }

      assertThat(legs).hasSize(2);
      for (Channel leg : legs) {
        RecvByteBufAllocator reads = leg.config().getOption(ChannelOption.RECVBUF_ALLOCATOR);
        assertThat(reads).as(leg.toString()).isSameAs(Transports.READS);
      }
    }
    assertThat(Transports.MAX_READ).isGreaterThan(64 * 1024);
  }
}
