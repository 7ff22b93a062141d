package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.OtherUid;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A reload on a live listener, over real loopback sockets: new policy, old tunnels. */
class RelayReloadTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int DENIED = 0x02;

  private final List<AutoCloseable> open = new ArrayList<>();
  private final RecordingLog log = new RecordingLog();
  private EchoServer a;
  private EchoServer b;
  private RelayServer relay;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @BeforeEach
  void targets() throws IOException {
    a = new EchoServer();
    open.add(a);
    b = new EchoServer();
    open.add(b);
  }

  private void start(RelaySettings.Limits limits, String... rules) throws Exception {
    Transports t = Transports.best();
    EventLoopGroup group = t.newGroup(2);
    open.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync());
    DirectDialer dialer = new DirectDialer(t, Duration.ofSeconds(5));
    open.add(dialer);
    RelaySettings settings = LoopbackSettings.with(limits);
    relay =
        RelayServer.start(
            settings,
            Allowlist.parse(List.of(rules)),
            dialer,
            UpstreamGate.OPEN,
            log,
            new RelayStats(),
            group,
            t);
    open.add(relay);
  }

  private String rule(EchoServer echo) {
    return "127.0.0.1:" + echo.port();
  }

  private Policy policy(RelaySettings.Limits limits, String... rules) throws Exception {
    return new Policy(Allowlist.parse(List.of(rules)), limits);
  }

  private Socket tunnel(EchoServer echo) throws IOException {
    Socket s = SocksClient.tunnel(relay.address(), "127.0.0.1", echo.port());
    open.add(s);
    return s;
  }

  private static void assertEchoes(Socket s, String text) throws IOException {
    assertThat(SocksClient.echo(s, text)).isEqualTo(text);
  }

  private int request(EchoServer echo) throws IOException {
    return SocksClient.reply(relay.address(), "127.0.0.1", echo.port());
  }

  @Test
  void newRequestsMeetTheNewAllowlistWhileAnEstablishedTunnelKeepsRelaying() throws Exception {
    start(RelaySettings.Limits.DEFAULT, rule(a));
    Socket toA = tunnel(a);
    assertThat(request(b)).isEqualTo(DENIED);

    int closed = relay.reload(policy(RelaySettings.Limits.DEFAULT, rule(b)), false);

    assertThat(closed).isZero();
    assertThat(relay.policy().allowlist().rules()).containsExactly(rule(b));
    assertThat(request(b)).isZero();
    assertThat(request(a)).isEqualTo(DENIED);
    assertEchoes(toA, "still up after the reload");
  }

  @Test
  void closeDeniedEndsTunnelsTheNewAllowlistRefusesAndLogsWhy() throws Exception {
    start(RelaySettings.Limits.DEFAULT, rule(a), rule(b));
    Socket toA = tunnel(a);
    Socket toB = tunnel(b);
    assertEchoes(toA, "before");

    int closed = relay.reload(policy(RelaySettings.Limits.DEFAULT, rule(b)), true);

    assertThat(closed).isEqualTo(1);
    assertThat(toA.getInputStream().read()).as("the refused tunnel is closed").isEqualTo(-1);
    assertEchoes(toB, "the allowed tunnel stays");
    ConnectionEvent e = log.await(1, WAIT);
    assertThat(e.targetPort()).isEqualTo(a.port());
    assertThat(e.result()).isEqualTo("ok");
    assertThat(e.closedBy()).isEqualTo("reload");
    assertThat(e.reason()).startsWith("closed by a reload: ").contains("no allow rule matches");
    assertThat(e.bytesUp()).isEqualTo("before".length());
  }

  @Test
  void closeDeniedJudgesEachTunnelWithItsOwnUid() throws Exception {
    start(RelaySettings.Limits.DEFAULT, rule(a), rule(b));
    Socket toA = tunnel(a);
    Socket toB = tunnel(b);
    int own = OtherUid.ownUid();

    int closed =
        relay.reload(
            policy(
                RelaySettings.Limits.DEFAULT,
                rule(a) + " from uid " + own,
                rule(b) + " from uid " + (own + 1)),
            true);

    assertThat(closed).isEqualTo(1);
    assertEchoes(toA, "this uid's tunnel stays");
    assertThat(toB.getInputStream().read()).as("another uid's rule: closed").isEqualTo(-1);
    assertThat(log.await(1, WAIT).reason()).endsWith("for uid " + own);
  }

  @Test
  void aLowerConnectionLimitRefusesNewConnectionsButCutsNone() throws Exception {
    start(RelaySettings.Limits.DEFAULT, rule(a));
    Socket first = tunnel(a);
    Socket second = tunnel(a);

    relay.reload(policy(new RelaySettings.Limits(1, 10_000, 1_000), rule(a)), true);

    assertThat(request(a)).isEqualTo(DENIED);
    ConnectionEvent refused = log.await(1, WAIT);
    assertThat(refused.rule()).isEqualTo("limit:connections");
    assertEchoes(first, "one");
    assertEchoes(second, "two");
  }
}
