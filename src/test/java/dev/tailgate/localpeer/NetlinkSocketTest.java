package dev.tailgate.localpeer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.testing.OtherUid;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kernel's sock_diag answers, checked against /proc/net/tcp on this machine. */
class NetlinkSocketTest {
  private NetlinkSocket netlink;

  @BeforeEach
  void open() throws Exception {
    netlink = NetlinkSocket.open();
  }

  @AfterEach
  void close() {
    netlink.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "::1"})
  void findsTheUidAndInodeThatProcNetTcpLists(String host) throws Exception {
    try (LocalClients.Pair c = LocalClients.Pair.open(InetAddress.getByName(host))) {
      SockDiag.Answer a = netlink.ask(c.from(), c.to(), true);
      assertThat(a.entry()).isNotNull().isEqualTo(fromProc(c.from(), c.to()));
      assertThat(a.entry().uid()).isEqualTo(OtherUid.ownUid());
    }
  }

  @Test
  void findsAClientOfAnotherUidAndItsInode() throws Exception {
    assumeTrue(OtherUid.possible(), "needs root");
    try (LocalClients.Nobody c = LocalClients.Nobody.connect()) {
      SockDiag.Answer a = netlink.ask(c.from(), c.to(), true);
      assertThat(a.entry()).isNotNull().isEqualTo(fromProc(c.from(), c.to()));
      assertThat(a.entry().uid()).isEqualTo(OtherUid.NOBODY);
      assertThat(a.entry().inode()).isPositive();

      LocalPeers peers = new LocalPeers(Path.of("/proc"), Duration.ofMillis(10), true);
      LocalPeer process = peers.lookup(c.from(), c.to()).process().get(5, TimeUnit.SECONDS);
      long pid = c.process().pid();
      assertThat(process.uid()).isEqualTo(OtherUid.NOBODY);
      assertThat(process.pid()).as(process.toString()).isEqualTo(pid);
      assertThat(process.tree()).startsWith("python3(" + pid + ")<java(");
    }
  }

  @Test
  void answersWithinTheSendtoSoACallerNeedNotWait() throws Exception {
    try (LocalClients.Pair c = LocalClients.Pair.open(InetAddress.getByName("127.0.0.1"))) {
      for (int i = 0; i < 100; i++) {
        assertThat(netlink.ask(c.from(), c.to(), false).entry())
            .isEqualTo(fromProc(c.from(), c.to()));
      }
    }
  }

  @Test
  void onceNetlinkFoundASocketTheCallerAsksItAtOnce() throws Exception {
    LocalPeers peers = new LocalPeers(Path.of("/proc"), Duration.ofMillis(10), true);
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    try (LocalClients.Pair first = LocalClients.Pair.open(lo);
        LocalClients.Pair second = LocalClients.Pair.open(lo)) {
      LocalPeer owner = peers.lookup(first.from(), first.to()).owner().get(5, TimeUnit.SECONDS);
      assertThat(owner.uid()).isEqualTo(OtherUid.ownUid());
      LocalPeers.Lookup atOnce = peers.lookup(second.from(), second.to());
      assertThat(atOnce.owner()).isDone();
      assertThat(atOnce.owner().get().uid()).isEqualTo(OtherUid.ownUid());
      assertThat(atOnce.process().get(5, TimeUnit.SECONDS).pid())
          .isEqualTo(ProcessHandle.current().pid());
    }
  }

  @Test
  void saysNotFoundForASocketThatIsNotThere() throws Exception {
    SockDiag.Answer a =
        netlink.ask(
            new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2), true);
    assertThat(a.entry()).isNull();
    assertThat(a.errno()).isEqualTo(SockDiag.ENOENT);
  }

  /** The entry in tcp, or in tcp6 (where a JDK socket to an IPv4 address is listed, mapped). */
  private static SocketTable.Entry fromProc(InetSocketAddress from, InetSocketAddress to)
      throws Exception {
    for (boolean v6 : new boolean[] {false, true}) {
      String key =
          SocketTable.key(from.getAddress(), from.getPort(), to.getAddress(), to.getPort(), v6);
      if (key != null) {
        Map<String, SocketTable.Entry> found = new HashMap<>();
        found.put(key, null);
        SocketTable.scan(Path.of(v6 ? "/proc/net/tcp6" : "/proc/net/tcp"), found);
        if (found.get(key) != null) {
          return found.get(key);
        }
      }
    }
    return null;
  }
}
