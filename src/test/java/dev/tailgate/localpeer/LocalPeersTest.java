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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
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
    InetAddress address = InetAddress.getByName(host);
    try (ServerSocket server = new ServerSocket(0, 10, address);
        Socket client = new Socket(address, server.getLocalPort());
        Socket accepted = server.accept()) {
      assertThat(client.isConnected()).isTrue();
      LocalPeers.Lookup lookup =
          peers.lookup(
              (InetSocketAddress) accepted.getRemoteSocketAddress(),
              (InetSocketAddress) accepted.getLocalSocketAddress());
      LocalPeer owner = lookup.owner().get(5, TimeUnit.SECONDS);
      assertThat(owner.uid()).isEqualTo(ownUid());
      LocalPeer process = lookup.process().get(5, TimeUnit.SECONDS);
      assertThat(process.pid()).as(process.toString()).isEqualTo(ProcessHandle.current().pid());
      assertThat(process.command()).isEqualTo("java");
      assertThat(process.unknown()).isNull();
    }
  }

  @Test
  void findsAClientOfAnotherUid() throws Exception {
    assumeTrue(ownUid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs root");
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      server.setSoTimeout(5000);
      Process client =
          new ProcessBuilder(
                  "setpriv",
                  "--reuid=65534",
                  "--regid=65534",
                  "--clear-groups",
                  "/usr/bin/python3",
                  "-c",
                  "import socket,sys,time\n"
                      + "s=socket.create_connection(('127.0.0.1',"
                      + server.getLocalPort()
                      + "))\nprint('up',flush=True)\nsys.stdin.read()\n")
              .redirectErrorStream(true)
              .start();
      try (Socket accepted = server.accept()) {
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("up");
        LocalPeers.Lookup lookup =
            peers.lookup(
                (InetSocketAddress) accepted.getRemoteSocketAddress(),
                (InetSocketAddress) accepted.getLocalSocketAddress());
        assertThat(lookup.owner().get(5, TimeUnit.SECONDS).uid()).isEqualTo(65534);
        LocalPeer process = lookup.process().get(5, TimeUnit.SECONDS);
        assertThat(process.pid()).as(process.toString()).isEqualTo(client.pid());
        assertThat(process.command()).startsWith("python3");
        assertThat(process.unknown()).isNull();
      } finally {
        client.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
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
  void saysWhyWithoutProc() throws Exception {
    LocalPeers none = new LocalPeers(Path.of("/nonexistent"), Duration.ofMillis(10));
    LocalPeer peer =
        none.lookup(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2))
            .owner()
            .get(1, TimeUnit.SECONDS);
    assertThat(peer.unknown()).contains("on this system");
  }

  private static int ownUid() throws Exception {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }
}
