package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same traffic through a live listener in enforce and in report mode: enforce refuses what no
 * rule admits, report lets it through and logs {@code would_deny}; the built-in refusals (metadata,
 * loopback) stay refusals in both. Names reach an echo server through a dialer that stands in for
 * tailscaled's resolver, since a loopback target is itself a built-in refusal.
 */
class ReportModeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int DENIED = 0x02;
  private static final String ALLOWED = "db1.example.ts.net";
  private static final String UNLISTED = "web1.example.ts.net";

  private final List<AutoCloseable> open = new ArrayList<>();
  private final RecordingLog log = new RecordingLog();
  private final List<String> dialed = new CopyOnWriteArrayList<>();
  private RelayServer relay;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private void start(Allowlist.Mode mode) throws Exception {
    EchoServer echo = new EchoServer();
    open.add(echo);
    Transports t = Transports.best();
    EventLoopGroup group = t.newGroup(1);
    open.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync());
    DirectDialer direct = new DirectDialer(t, Duration.ofSeconds(5));
    open.add(direct);
    UpstreamDialer tailnet =
        new UpstreamDialer() {
          @Override
          public Future<Channel> dial(Channel inbound, String host, int port) {
            dialed.add(host + ":" + port);
            return direct.dial(inbound, "127.0.0.1", echo.port());
          }

          @Override
          public String describe() {
            return "a pretend tailnet";
          }
        };
    RelaySettings settings = LoopbackSettings.with(RelaySettings.Limits.DEFAULT);
    relay =
        RelayServer.start(
            settings,
            Allowlist.parse(List.of(ALLOWED + ":22", "*:8080")).in(mode),
            tailnet,
            UpstreamGate.OPEN,
            log,
            new RelayStats(),
            group,
            t);
    open.add(relay);
  }

  private int request(String host, int port) throws Exception {
    return SocksClient.reply(relay.address(), host, port);
  }

  @Test
  void enforceRefusesWhatNoRuleAdmits() throws Exception {
    start(Allowlist.Mode.ENFORCE);

    assertThat(request(UNLISTED, 443)).isEqualTo(DENIED);

    ConnectionEvent e = log.await(1, WAIT);
    assertThat(e.decision()).isEqualTo("deny");
    assertThat(e.result()).isEqualTo("denied");
    assertThat(e.reason()).isEqualTo("no allow rule matches " + UNLISTED + ":443");
    assertThat(dialed).isEmpty();
  }

  @Test
  void reportLetsItThroughAndLogsWouldDenyWithTheReason() throws Exception {
    start(Allowlist.Mode.REPORT);

    try (Socket s = SocksClient.tunnel(relay.address(), UNLISTED, 443)) {
      assertThat(SocksClient.echo(s, "through in report mode")).isEqualTo("through in report mode");
    }

    ConnectionEvent e = log.await(1, WAIT);
    assertThat(e.decision()).isEqualTo("would_deny");
    assertThat(e.rule()).isNull();
    assertThat(e.reason()).isEqualTo("no allow rule matches " + UNLISTED + ":443");
    assertThat(e.result()).isEqualTo("ok");
    assertThat(e.bytesUp()).isEqualTo("through in report mode".length());
    assertThat(dialed).containsExactly(UNLISTED + ":443");
  }

  @Test
  void anAllowedTargetIsAllowInBothModes() throws Exception {
    start(Allowlist.Mode.REPORT);

    assertThat(request(ALLOWED, 22)).isZero();

    ConnectionEvent e = log.await(1, WAIT);
    assertThat(e.decision()).isEqualTo("allow");
    assertThat(e.rule()).isEqualTo(ALLOWED + ":22");
    assertThat(e.reason()).isNull();
  }

  @ParameterizedTest
  @EnumSource(Allowlist.Mode.class)
  void builtInRefusalsStayRefusedInBothModes(Allowlist.Mode mode) throws Exception {
    start(mode);

    // Under the broad `*:8080`, and with no rule at all.
    assertThat(request("169.254.169.254", 8080)).isEqualTo(DENIED);
    assertThat(request("169.254.169.254", 80)).isEqualTo(DENIED);
    assertThat(request("127.0.0.1", 22)).isEqualTo(DENIED);
    assertThat(request("[::ffff:127.0.0.1]", 22)).isEqualTo(DENIED);
    assertThat(request("localhost", 8080)).isEqualTo(DENIED);

    log.await(5, WAIT);
    assertThat(log.events()).extracting(ConnectionEvent::decision).containsOnly("deny");
    assertThat(log.events()).extracting(ConnectionEvent::result).containsOnly("denied");
    assertThat(dialed).isEmpty();
  }
}
