package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.RecentRefusals;
import dev.tailgate.config.HostPort;
import dev.tailgate.localapi.PeerStatus;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.SocksClient;
import dev.tailgate.web.Status;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page's snapshot, read from a running relay: its address and rules, the open
 * connections by target, the last refusals, the last reload; without a supervisor, an unmanaged
 * daemon and no peers.
 */
class StatusAssemblerTest {
  @TempDir Path dir;

  private final RecentRefusals refusals = new RecentRefusals(Telemetry.RECENT_REFUSALS);

  @Test
  void showsTheRelayItsOpenConnectionsAndItsRefusals() throws Exception {
    try (EchoServer echo = new EchoServer();
        TestRelay relay =
            new TestRelay(Configs.of(Configs.direct(dir, "127.0.0.1:" + echo.port())), refusals)) {
      Status.Reload reload = new Status.Reload("2026-01-01T00:00:00Z", "SIGHUP", true, "ok");
      StatusAssembler status =
          new StatusAssembler(relay.server, "direct", refusals, null, () -> reload);
      int denied = echo.port() + 1;

      try (Socket open = SocksClient.tunnel(relay.server.address(), "127.0.0.1", echo.port())) {
        SocksClient.echo(open, "up");
        assertThat(SocksClient.reply(relay.server.address(), "127.0.0.1", denied)).isEqualTo(2);
        awaitRefusal();

        Status s = status.snapshot();

        assertThat(s.relay().address()).isEqualTo(HostPort.format(relay.server.address()));
        assertThat(s.relay().upstream()).isEqualTo("direct");
        assertThat(s.relay().allowRules()).containsExactly("127.0.0.1:" + echo.port());
        assertThat(s.relay().listening()).isTrue();
        assertThat(s.relay().lastReload()).isEqualTo(reload);
        assertThat(s.connections().open()).isEqualTo(1);
        assertThat(s.connections().shown())
            .singleElement()
            .satisfies(c -> assertThat(c.target()).isEqualTo("127.0.0.1:" + echo.port()));
        assertThat(s.connections().byTarget())
            .containsExactly(new Status.TargetCount("127.0.0.1:" + echo.port(), 1));
        assertThat(s.refusals())
            .singleElement()
            .satisfies(
                r -> {
                  assertThat(r.target()).isEqualTo("127.0.0.1:" + denied);
                  assertThat(r.proto()).isEqualTo("socks5");
                });
        assertThat(awaitCommand(status).connections().shown())
            .singleElement()
            .satisfies(
                c -> {
                  assertThat(c.clientUid()).isEqualTo(ownUid());
                  assertThat(c.clientCmd()).isEqualTo("java");
                });
        assertThat(s.daemon()).isEqualTo(DaemonView.UNMANAGED);
        assertThat(s.peers()).isEmpty();
      }
    }
  }

  /** The snapshot once the open connection's process is known (found off the event loop). */
  private static Status awaitCommand(StatusAssembler status) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    Status s = status.snapshot();
    while (s.connections().shown().get(0).clientCmd() == null && System.nanoTime() < deadline) {
      Thread.sleep(10);
      s = status.snapshot();
    }
    return s;
  }

  private static int ownUid() throws Exception {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  private void awaitRefusal() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (refusals.list().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /** A tailnet peer called {@code name}.tail1234.ts.net. */
  private static PeerStatus peer(String name) {
    return new PeerStatus(
        "n" + name,
        name,
        name + ".tail1234.ts.net.",
        List.of("100.64.0.9"),
        "linux",
        List.of(),
        true,
        List.of(),
        "");
  }

  @Test
  void aPeersSshCellNamesTheUidsThatUidRulesAdmitWhenAnUnknownClientIsRefused() throws Exception {
    Allowlist rules =
        Allowlist.parse(
            List.of(
                "db.tail1234.ts.net:22 from uid 1001, 1000",
                "web.tail1234.ts.net:22",
                "*.tail1234.ts.net:22 from uid 0"));

    Status.Peer db = StatusAssembler.peer(peer("db"), rules);
    assertThat(db.sshAllowed()).isFalse();
    assertThat(db.sshUids()).containsExactly(0, 1000, 1001);
    assertThat(db.rule()).isEqualTo("*.tail1234.ts.net:22 from uid 0");

    Status.Peer web = StatusAssembler.peer(peer("web"), rules);
    assertThat(web.sshAllowed()).isTrue();
    assertThat(web.sshUids()).isEmpty();
    assertThat(web.rule()).isEqualTo("web.tail1234.ts.net:22");

    Status.Peer none = StatusAssembler.peer(peer("x"), Allowlist.parse(List.of("y:22")));
    assertThat(none.sshAllowed()).isFalse();
    assertThat(none.sshUids()).isEmpty();
  }
}
