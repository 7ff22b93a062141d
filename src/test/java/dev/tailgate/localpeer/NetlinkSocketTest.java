package dev.tailgate.localpeer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
    InetAddress address = InetAddress.getByName(host);
    try (ServerSocket server = new ServerSocket(0, 10, address);
        Socket client = new Socket(address, server.getLocalPort());
        Socket accepted = server.accept()) {
      assertThat(client.isConnected()).isTrue();
      InetSocketAddress from = (InetSocketAddress) accepted.getRemoteSocketAddress();
      InetSocketAddress to = (InetSocketAddress) accepted.getLocalSocketAddress();
      SockDiag.Answer a = netlink.ask(from, to, true);
      assertThat(a.entry()).isNotNull().isEqualTo(fromProc(from, to));
      assertThat(a.entry().uid()).isEqualTo(ownUid());
    }
  }

  @Test
  void findsAClientOfAnotherUidAndItsInode() throws Exception {
    assumeTrue(ownUid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs root");
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      server.setSoTimeout(5000);
      Process client = asNobody(server.getLocalPort());
      try (Socket accepted = server.accept();
          BufferedReader out =
              new BufferedReader(
                  new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        assertThat(out.readLine()).isEqualTo("up");
        InetSocketAddress from = (InetSocketAddress) accepted.getRemoteSocketAddress();
        InetSocketAddress to = (InetSocketAddress) accepted.getLocalSocketAddress();
        SockDiag.Answer a = netlink.ask(from, to, true);
        assertThat(a.entry()).isNotNull().isEqualTo(fromProc(from, to));
        assertThat(a.entry().uid()).isEqualTo(65534);
        assertThat(a.entry().inode()).isPositive();

        LocalPeers peers = new LocalPeers(Path.of("/proc"), Duration.ofMillis(10), true);
        LocalPeer process = peers.lookup(from, to).process().get(5, TimeUnit.SECONDS);
        assertThat(process.uid()).isEqualTo(65534);
        assertThat(process.pid()).as(process.toString()).isEqualTo(client.pid());
        assertThat(process.tree()).startsWith("python3(" + client.pid() + ")<java(");
      } finally {
        client.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void answersWithinTheSendtoSoACallerNeedNotWait() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    try (ServerSocket server = new ServerSocket(0, 10, lo);
        Socket client = new Socket(lo, server.getLocalPort());
        Socket accepted = server.accept()) {
      assertThat(client.isConnected()).isTrue();
      InetSocketAddress from = (InetSocketAddress) accepted.getRemoteSocketAddress();
      InetSocketAddress to = (InetSocketAddress) accepted.getLocalSocketAddress();
      for (int i = 0; i < 100; i++) {
        assertThat(netlink.ask(from, to, false).entry()).isEqualTo(fromProc(from, to));
      }
    }
  }

  @Test
  void onceNetlinkFoundASocketTheCallerAsksItAtOnce() throws Exception {
    LocalPeers peers = new LocalPeers(Path.of("/proc"), Duration.ofMillis(10), true);
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    try (ServerSocket server = new ServerSocket(0, 10, lo);
        Socket first = new Socket(lo, server.getLocalPort());
        Socket firstAccepted = server.accept();
        Socket second = new Socket(lo, server.getLocalPort());
        Socket secondAccepted = server.accept()) {
      assertThat(first.isConnected() && second.isConnected()).isTrue();
      LocalPeer owner =
          peers
              .lookup(
                  (InetSocketAddress) firstAccepted.getRemoteSocketAddress(),
                  (InetSocketAddress) firstAccepted.getLocalSocketAddress())
              .owner()
              .get(5, TimeUnit.SECONDS);
      assertThat(owner.uid()).isEqualTo(ownUid());
      LocalPeers.Lookup atOnce =
          peers.lookup(
              (InetSocketAddress) secondAccepted.getRemoteSocketAddress(),
              (InetSocketAddress) secondAccepted.getLocalSocketAddress());
      assertThat(atOnce.owner()).isDone();
      assertThat(atOnce.owner().get().uid()).isEqualTo(ownUid());
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

  static Process asNobody(int port) throws Exception {
    return new ProcessBuilder(
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            "import socket,sys\n"
                + "s=socket.create_connection(('127.0.0.1',"
                + port
                + "))\nprint('up',flush=True)\nsys.stdin.read()\n")
        .redirectErrorStream(true)
        .start();
  }

  private static int ownUid() throws Exception {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }
}
