package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.OtherUid;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.EventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A rule that names a uid, on real sockets with two uids: {@code 127.0.0.1:ECHO from uid 65534}
 * admits a SOCKS5 client run as nobody and refuses this process's (root's) with 0x02, whatever the
 * limits count clients by ({@code address} too: the relay then finds the uid for the rules alone).
 * Each log line names the uid and the rule or the refusal's reason. Needs root and setpriv.
 */
class UidRuleRelayTest {
  /** A SOCKS5 CONNECT to 127.0.0.1:ECHO through the relay, then "hi" echoed: prints code, echo. */
  private static final String CLIENT =
      """
      import socket, sys
      relay, echo = int(sys.argv[1]), int(sys.argv[2])
      s = socket.create_connection(('127.0.0.1', relay), timeout=10)
      s.sendall(b'\\x05\\x01\\x00')
      assert s.recv(2) == b'\\x05\\x00'
      s.sendall(b'\\x05\\x01\\x00\\x01\\x7f\\x00\\x00\\x01' + echo.to_bytes(2, 'big'))
      reply = s.recv(10)
      said = b''
      if reply[1] == 0:
          s.sendall(b'hi')
          while len(said) < 2:
              said += s.recv(2 - len(said))
      print(reply[1], said.decode())
      """;

  @ParameterizedTest
  @EnumSource(
      value = RelaySettings.ClientIdentity.class,
      names = {"UID", "ADDRESS"})
  void aRuleNamingAUidAdmitsThatUidAndRefusesAnother(RelaySettings.ClientIdentity identity)
      throws Exception {
    assumeTrue(OtherUid.possible(), "needs root");
    Transports t = Transports.best();
    EventLoopGroup group = t.newGroup(1);
    RecordingLog log = new RecordingLog();
    try (EchoServer echo = new EchoServer();
        DirectDialer dialer = new DirectDialer(t, Duration.ofSeconds(5))) {
      String rule = "127.0.0.1:" + echo.port() + " from uid " + OtherUid.NOBODY;
      RelayServer relay =
          RelayServer.start(
              LoopbackSettings.with(new RelaySettings.Limits(100, 100, 100, 100, identity)),
              Allowlist.parse(List.of(rule)),
              dialer,
              UpstreamGate.OPEN,
              log,
              new RelayStats(),
              group,
              t);
      try {
        assertThat(SocksClient.reply(relay.address(), "127.0.0.1", echo.port()))
            .as("root's request")
            .isEqualTo(2);
        ConnectionEvent roots = log.await(1, Duration.ofSeconds(5));

        assertThat(nobodysClient(relay.address().getPort(), echo.port())).isEqualTo("0 hi");
        ConnectionEvent nobodys = log.await(2, Duration.ofSeconds(5));

        assertThat(roots.decision()).isEqualTo("deny");
        assertThat(roots.local().uid()).isZero();
        assertThat(roots.reason())
            .isEqualTo("no allow rule matches 127.0.0.1:" + echo.port() + " for uid 0");
        assertThat(nobodys.decision()).isEqualTo("allow");
        assertThat(nobodys.rule()).isEqualTo(rule);
        assertThat(nobodys.local().uid()).isEqualTo(OtherUid.NOBODY);
        assertThat(nobodys.result()).isEqualTo("ok");
      } finally {
        relay.close();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private static String nobodysClient(int relay, int echo) throws Exception {
    Process p =
        new ProcessBuilder(
                OtherUid.command(
                    OtherUid.NOBODY,
                    "/usr/bin/python3",
                    "-c",
                    CLIENT,
                    Integer.toString(relay),
                    Integer.toString(echo)))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }
}
