package dev.tailgate.localpeer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.testing.OtherUid;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Finding the process behind a loopback client, on this machine's real /proc. */
class LocalPeersTest {
  private final LocalPeers peers = new LocalPeers(Path.of("/proc"), Duration.ofMillis(10));

  @Test
  void writesEndpointsAsTheKernelPrintsThem() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    assertThat(SocketTable.key(lo, 8080, lo, 443, false)).isEqualTo("0100007F:1F90 0100007F:01BB");
    assertThat(SocketTable.key(lo, 8080, lo, 443, true))
        .isEqualTo("0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:01BB");
    InetAddress six = InetAddress.getByName("::1");
    assertThat(SocketTable.key(six, 1, six, 2, true))
        .isEqualTo("00000000000000000000000001000000:0001 00000000000000000000000001000000:0002");
    assertThat(SocketTable.key(six, 1, six, 2, false)).isNull();
  }

  @Test
  void readsTheFourFieldsOfALine() {
    String line =
        "   0: 0100007F:A10D 0100007F:01BB 01 00000000:00000000 00:00000000 00000000  1000"
            + "        0 48366 1 000000008f77ea94 100 0 0 10 0";
    assertThat(SocketTable.fields(line))
        .containsExactly("0100007F:A10D", "0100007F:01BB", "1000", "48366");
    assertThat(SocketTable.fields("  sl  local_address")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void findsThisProcessBehindItsOwnLoopbackClient(String host) throws Exception {
    try (LocalClients.Pair c = LocalClients.Pair.open(InetAddress.getByName(host))) {
      LocalPeers.Lookup lookup = peers.lookup(c.from(), c.to());
      LocalPeer owner = lookup.owner().get(5, TimeUnit.SECONDS);
      assertThat(owner.uid()).isEqualTo(OtherUid.ownUid());
      LocalPeer process = lookup.process().get(5, TimeUnit.SECONDS);
      assertThat(process.pid()).as(process.toString()).isEqualTo(ProcessHandle.current().pid());
      assertThat(process.command()).isEqualTo("java");
      assertThat(process.unknown()).isNull();
    }
  }

  @Test
  void namesTheKernelsPidWithItsCommandOrSaysWhyNot(@TempDir Path empty) throws Exception {
    long self = ProcessHandle.current().pid();
    assertThat(peers.named(OtherUid.ownUid(), self))
        .isEqualTo(new LocalPeer(OtherUid.ownUid(), self, "java", null, null));

    assertThat(new LocalPeers(empty, Duration.ofMillis(10)).named(1000, 42))
        .isEqualTo(new LocalPeer(1000, 42, null, null, "command name not readable"));
  }

  @Test
  void findsAClientOfAnotherUid() throws Exception {
    assumeTrue(OtherUid.possible(), "needs root");
    try (LocalClients.Nobody c = LocalClients.Nobody.connect()) {
      LocalPeers.Lookup lookup = peers.lookup(c.from(), c.to());
      assertThat(lookup.owner().get(5, TimeUnit.SECONDS).uid()).isEqualTo(OtherUid.NOBODY);
      LocalPeer process = lookup.process().get(5, TimeUnit.SECONDS);
      assertThat(process.pid()).as(process.toString()).isEqualTo(c.process().pid());
      assertThat(process.command()).startsWith("python3");
      assertThat(process.unknown()).isNull();
    }
  }

  @Test
  void saysWhyForAClientThatIsNotLocalOrNotFound() throws Exception {
    LocalPeer remote =
        peers
            .lookup(
                new InetSocketAddress("192.0.2.1", 4000), new InetSocketAddress("127.0.0.1", 1080))
            .owner()
            .get(5, TimeUnit.SECONDS);
    assertThat(remote.hasUid()).isFalse();
    assertThat(remote.unknown()).isEqualTo("not a loopback client");
    LocalPeer gone =
        peers
            .lookup(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2))
            .process()
            .get(5, TimeUnit.SECONDS);
    assertThat(gone.hasUid()).isFalse();
    assertThat(gone.unknown()).contains("not in /proc/net/tcp");
  }

  @Test
  void aClientThatLeavesBeforeTheDelayCostsNoWalk() throws Exception {
    LocalPeers lazy =
        new LocalPeers(Path.of("/proc"), Duration.ofMillis(10), Duration.ofMillis(300), true);
    LocalPeers.Lookup lookup;
    try (LocalClients.Pair c = LocalClients.Pair.open(InetAddress.getByName("127.0.0.1"))) {
      lookup = lazy.lookup(c.from(), c.to());
      assertThat(lookup.owner().get(5, TimeUnit.SECONDS).uid()).isEqualTo(OtherUid.ownUid());
    }
    lookup.ended();
    Thread.sleep(500);
    LocalPeer process = lookup.process().get(5, TimeUnit.SECONDS);
    assertThat(process.uid()).isEqualTo(OtherUid.ownUid());
    assertThat(process.hasPid()).isFalse();
    assertThat(process.unknown())
        .isEqualTo("the connection ended before its process was looked up");
    assertThat(lazy.walks()).isZero();
  }

  @Test
  void looksForTheProcessAtOnceWhenAskedTo() throws Exception {
    LocalPeers lazy =
        new LocalPeers(Path.of("/proc"), Duration.ofMillis(10), Duration.ofMinutes(10), true);
    try (LocalClients.Pair c = LocalClients.Pair.open(InetAddress.getByName("127.0.0.1"))) {
      LocalPeer process = lazy.lookup(c.from(), c.to(), true).process().get(5, TimeUnit.SECONDS);
      assertThat(process.pid()).as(process.toString()).isEqualTo(ProcessHandle.current().pid());
    }
  }

  @Test
  void saysWhyWithoutProc() throws Exception {
    LocalPeers none = new LocalPeers(Path.of("/nonexistent"), Duration.ofMillis(10));
    LocalPeer peer =
        none.lookup(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2))
            .owner()
            .get(1, TimeUnit.SECONDS);
    assertThat(peer.unknown()).contains("on this system");
  }
}
