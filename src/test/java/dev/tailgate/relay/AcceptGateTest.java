package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.testing.SocksClient;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the listener decides at accept ({@link AcceptGate}): clients queued behind a busy loop, as
 * behind a flood, are judged as they are accepted. One event loop, stalled on purpose, so that the
 * clients below are all in the listen queue when it is accepted.
 */
class AcceptGateTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void clientsThatHungUpInTheQueueAreLoggedAndClosedAtAcceptWithoutALookup() throws Exception {
    try (EchoRelay r = new EchoRelay(RelaySettings.Limits.DEFAULT, 1)) {
      warmUp(r);
      r.stall(300);
      for (int i = 0; i < 50; i++) {
        new Socket(r.relay.address().getAddress(), r.relay.address().getPort()).close();
      }
      r.log.await(51, WAIT);
      List<ConnectionEvent> queued = r.log.events().subList(1, 51);
      assertThat(queued)
          .allSatisfy(
              e -> {
                assertThat(e.reason()).isEqualTo(HandshakeHangup.CLOSED);
                assertThat(e.closedBy()).isEqualTo("client");
                assertThat(e.result()).isEqualTo("protocol_error");
                assertThat(e.local().unknown()).contains("hung up before its connection");
              });
      assertCountsBalanced(r);
    }
  }

  /**
   * Not the gate's doing, but found with it: the request, data and the half-close all arrive before
   * the tunnel is up, and the tunnel carries the data both ways and then passes the end on (the
   * half-close's event went by before the relay handler was there: it used to close at once).
   */
  @Test
  void aRequestFollowedByAHalfCloseInTheQueueIsStillCarried() throws Exception {
    try (EchoRelay r = new EchoRelay(RelaySettings.Limits.DEFAULT, 1)) {
      warmUp(r);
      try (Socket s = new Socket(r.relay.address().getAddress(), r.relay.address().getPort())) {
        s.setSoTimeout(10_000);
        r.stall(300);
        OutputStream out = s.getOutputStream();
        byte[] port = {(byte) (r.echo.port() >> 8), (byte) r.echo.port()};
        out.write(new byte[] {5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, port[0], port[1]});
        out.write("ping".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] replies = new byte[2 + 10 + 4];
        in.readFully(replies);
        assertThat(replies[1]).as("no-auth accepted").isZero();
        assertThat(replies[3]).as("CONNECT succeeded").isZero();
        assertThat(new String(replies, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("ping");
        assertThat(in.read()).as("the target's end, passed on").isEqualTo(-1);
      }
      ConnectionEvent tunnel = r.log.await(2, WAIT);
      assertThat(tunnel.result()).isEqualTo("ok");
      assertThat(tunnel.bytesUp()).isEqualTo(4);
      assertCountsBalanced(r);
    }
  }

  @Test
  void aUidOverItsShareIsRefusedAtOnceWithItsUidAndTheCountsBalance() throws Exception {
    RelaySettings.Limits share2 =
        new RelaySettings.Limits(10_000, 10_000, 1_000, 2, RelaySettings.ClientIdentity.UID);
    try (EchoRelay r = new EchoRelay(share2, 1)) {
      warmUp(r);
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          Socket s = new Socket(r.relay.address().getAddress(), r.relay.address().getPort());
          s.getOutputStream().write(5); // a greeting's first byte, then nothing
          held.add(s);
        }
        awaitHandshaking(r, 2);
        try (Socket third = SocksClient.open(r.relay.address())) {
          assertThat(third.getInputStream().read()).as("refused at once").isEqualTo(-1);
        }
        ConnectionEvent refused = r.log.await(2, WAIT);
        assertThat(refused.rule()).isEqualTo(Admission.CLIENT_HANDSHAKES);
        assertThat(refused.closedBy()).isEqualTo("relay");
        assertThat(refused.local().uid()).isEqualTo(myUid());
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      r.log.await(4, WAIT);
      assertCountsBalanced(r);
    }
  }

  /** One tunnel first: the lookups are ready (JNA loaded, netlink answering on the loop). */
  private static void warmUp(EchoRelay r) throws Exception {
    try (Socket s = SocksClient.tunnel(r.relay.address(), "127.0.0.1", r.echo.port())) {
      assertThat(SocksClient.echo(s, "warm")).isEqualTo("warm");
    }
    r.log.await(1, WAIT);
  }

  private static void awaitHandshaking(EchoRelay r, int n) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (r.stats.handshakingFrom("uid:" + myUid()) < n) {
      assertThat(System.nanoTime()).as("%d handshakes counted", n).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static int myUid() throws java.io.IOException {
    return (Integer)
        java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
  }

  private static void assertCountsBalanced(EchoRelay r) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (r.stats.open() > 0 || r.stats.handshaking() > 0) {
      assertThat(System.nanoTime()).as("every connection counted out").isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
