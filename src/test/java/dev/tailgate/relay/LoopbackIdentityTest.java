package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.localpeer.LocalPeer;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.OtherUid;
import dev.tailgate.testing.SocksClient;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What a loopback client's log line says of its process with the default identity (uid): a short
 * tunnel ends before its process is looked for, which its line says, and a tunnel that stays is
 * named (this process's, the test's own JVM, which the walk reads last).
 */
class LoopbackIdentityTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int SHORT_TUNNELS = 20;

  @Test
  void aShortTunnelsLineSaysItEndedBeforeItsProcessWasLookedUp() throws Exception {
    run(
        (relay, echo, stats, log) -> {
          for (int i = 0; i < SHORT_TUNNELS; i++) {
            try (Socket s = SocksClient.open(relay.address())) {
              assertThat(SocksClient.connect(s, "127.0.0.1", echo.port())).isZero();
              s.getOutputStream().write(42);
              assertThat(s.getInputStream().read()).isEqualTo(42);
            }
          }
          log.await(SHORT_TUNNELS, WAIT);
          // Most, not all: the first ones of a fresh relay (JNA loading, cold code) may well last
          // longer than the delay, and so may any on a busy machine.
          assertThat(log.events())
              .allSatisfy(e -> assertThat(e.local().uid()).isEqualTo(OtherUid.ownUid()))
              .filteredOn(
                  e ->
                      e.local().pid() == null
                          && "the connection ended before its process was looked up"
                              .equals(e.local().unknown()))
              .hasSizeGreaterThanOrEqualTo(SHORT_TUNNELS / 2);
        });
  }

  @Test
  void aTunnelThatStaysIsNamedByItsProcess() throws Exception {
    run(
        (relay, echo, stats, log) -> {
          try (Socket s = SocksClient.open(relay.address())) {
            assertThat(SocksClient.connect(s, "127.0.0.1", echo.port())).isZero();
            LocalPeer shown = awaitProcess(stats, "127.0.0.1:" + echo.port());
            assertThat(shown.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(shown.command()).isEqualTo("java");
          }
          ConnectionEvent.LocalClient local = log.await(1, WAIT).local();
          assertThat(local.pid()).isEqualTo(ProcessHandle.current().pid());
          assertThat(local.unknown()).isNull();
        });
  }

  /** The process of an open connection to {@code target}, once the status page would show it. */
  static LocalPeer awaitProcess(RelayStats stats, String target) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (RelayStats.LiveConnection c : stats.live(Integer.MAX_VALUE)) {
        if (target.equals(c.target()) && c.local() != null && c.local().hasPid()) {
          return c.local();
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError(
        "no connection to " + target + " with its process in " + stats.live(10));
  }

  private interface Body {
    void run(RelayServer relay, EchoServer echo, RelayStats stats, RecordingLog log)
        throws Exception;
  }

  private static void run(Body body) throws Exception {
    try (EchoRelay r = new EchoRelay(RelaySettings.Limits.DEFAULT, 1)) {
      body.run(r.relay, r.echo, r.stats, r.log);
    }
  }
}
