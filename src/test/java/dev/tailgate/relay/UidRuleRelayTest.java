package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.OtherUid;
import dev.tailgate.testing.SocksClient;
import java.time.Duration;
import java.util.List;
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
    RecordingLog log = new RecordingLog();
    try (EchoServer echo = new EchoServer()) {
      String rule = "127.0.0.1:" + echo.port() + " from uid " + OtherUid.NOBODY;
      try (DirectRelay relay =
          DirectRelay.start(
              List.of(rule), new RelaySettings.Limits(100, 100, 100, 100, identity), log)) {
        assertThat(SocksClient.reply(relay.server.address(), "127.0.0.1", echo.port()))
            .as("root's request")
            .isEqualTo(2);
        ConnectionEvent roots = log.await(1, Duration.ofSeconds(5));

        assertThat(OtherUid.python(CLIENT, "" + relay.port(), "" + echo.port())).isEqualTo("0 hi");
        ConnectionEvent nobodys = log.await(2, Duration.ofSeconds(5));

        assertThat(roots.decision()).isEqualTo("deny");
        assertThat(roots.local().uid()).isZero();
        assertThat(roots.reason())
            .isEqualTo("no allow rule matches 127.0.0.1:" + echo.port() + " for uid 0");
        assertThat(nobodys.decision()).isEqualTo("allow");
        assertThat(nobodys.rule()).isEqualTo(rule);
        assertThat(nobodys.local().uid()).isEqualTo(OtherUid.NOBODY);
        assertThat(nobodys.result()).isEqualTo("ok");
      }
    }
  }
}
