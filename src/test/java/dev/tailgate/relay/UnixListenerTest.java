package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.OtherUid;
import io.netty.channel.EventLoopGroup;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's second listener on a Unix-domain socket: the same SOCKS5 (and SOCKS4a, HTTP) on a
 * path whose file mode decides who may connect, clients named by SO_PEERCRED, a stale socket
 * replaced only when nothing listens, the file removed at stop.
 */
class UnixListenerTest {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  @TempDir Path tmp;
  private EchoServer echo;
  private RecordingLog log;
  private DirectRelay direct;
  private RelayServer relay;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(Transports.best() == Transports.EPOLL, "needs epoll");
    echo = new EchoServer();
    log = new RecordingLog();
    direct =
        DirectRelay.start(
            List.of("127.0.0.1:" + echo.port() + " from uid 0", "localhost:" + echo.port()), log);
    relay = direct.server;
  }

  @AfterEach
  void stop() throws Exception {
    if (direct != null) {
      direct.close();
      echo.close();
    }
  }

  @Test
  void servesSocks5OnThePathWithTheClientsUidAndPidFromTheKernelAndItsCommand() throws Exception {
    Path socket = tmp.resolve("relay.sock");
    relay.listenUnix(socket, OWNER_ONLY);

    assertThat(tunnelAndEcho(socket, "127.0.0.1")).isEqualTo("hi");
    ConnectionEvent event = log.await(1, Duration.ofSeconds(5));

    assertThat(event.client()).isEqualTo("unix:" + socket);
    assertThat(event.result()).isEqualTo("ok");
    assertThat(event.rule()).as("a uid rule, judged by SO_PEERCRED's uid").endsWith("from uid 0");
    assertThat(event.local().uid()).isEqualTo(OtherUid.ownUid());
    assertThat(event.local().pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(event.local().command())
        .as("the pid's /proc/PID/comm")
        .isEqualTo(Files.readString(Path.of("/proc/self/comm")).strip());
    assertThat(event.local().unknown()).isNull();
    assertThat(relay.isListening()).isTrue();
  }

  @Test
  void theSocketIsMadeWithItsModeInADirectoryMade0700() throws Exception {
    Path socket = tmp.resolve("run/tailgate/relay.sock");
    relay.listenUnix(socket, PosixFilePermissions.fromString("rw-rw----"));

    assertThat(Files.getPosixFilePermissions(socket))
        .isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
    assertThat(Files.getPosixFilePermissions(socket.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    try (var left = Files.list(socket.getParent())) {
      assertThat(left).as("no private bind directory left").containsExactly(socket);
    }
  }

  @Test
  void anotherUidIsRefusedByTheFileMode() throws Exception {
    assumeTrue(OtherUid.possible(), "needs root");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path socket = tmp.resolve("relay.sock");
    relay.listenUnix(socket, OWNER_ONLY);

    String said =
        OtherUid.python(
            "import socket,sys\n"
                + "s=socket.socket(socket.AF_UNIX)\n"
                + "try:\n"
                + "  s.connect(sys.argv[1]); print('connected')\n"
                + "except PermissionError: print('refused')\n",
            socket.toString());

    assertThat(said).isEqualTo("refused");
    assertThat(log.events()).as("the relay never saw it").isEmpty();
  }

  @Test
  void aStaleSocketIsReplacedAndTheFileRemovedAtStop() throws Exception {
    Path socket = tmp.resolve("relay.sock");
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();

    relay.listenUnix(socket, OWNER_ONLY);
    assertThat(tunnelAndEcho(socket, "localhost")).isEqualTo("hi");

    relay.close();
    assertThat(socket).doesNotExist();
  }

  @Test
  void aSocketSomethingListensOnIsLeftAlone() throws Exception {
    Path socket = tmp.resolve("relay.sock");
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(socket));

      assertThatThrownBy(() -> relay.listenUnix(socket, OWNER_ONLY))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("something already listens on " + socket);
      assertThat(socket).exists();
    }
  }

  @Test
  void aFileThatIsNotASocketIsLeftAlone() throws Exception {
    Path file = Files.writeString(tmp.resolve("relay.sock"), "mine");

    assertThatThrownBy(() -> relay.listenUnix(file, OWNER_ONLY))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("exists and is not a socket");
    assertThat(Files.readString(file)).isEqualTo("mine");
  }

  @Test
  void detectsSocks4aAndHttpConnectOnTheSocketToo() throws Exception {
    Path socket = tmp.resolve("relay.sock");
    relay.listenUnix(socket, OWNER_ONLY);
    byte[] name = "localhost".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer socks4a = ByteBuffer.allocate(10 + name.length);
    socks4a.put(new byte[] {4, 1}).putShort((short) echo.port()).put(new byte[] {0, 0, 0, 1, 0});
    socks4a.put(name).put((byte) 0);
    String connect = "CONNECT localhost:" + echo.port() + " HTTP/1.1\r\nHost: localhost\r\n\r\n";

    assertThat(exchange(socket, socks4a.array(), 8)[1]).as("SOCKS4 granted").isEqualTo((byte) 0x5a);
    assertThat(
            new String(
                exchange(socket, connect.getBytes(StandardCharsets.US_ASCII), 12),
                StandardCharsets.US_ASCII))
        .isEqualTo("HTTP/1.1 200");
    log.await(2, Duration.ofSeconds(5));
    assertThat(log.events()).extracting(ConnectionEvent::client).containsOnly("unix:" + socket);
    assertThat(log.events()).extracting(ConnectionEvent::proto).contains("http");
  }

  @Test
  void withoutEpollItSaysSoInOneLine() throws Exception {
    EventLoopGroup nio = Transports.NIO.newGroup(1);
    try (DirectDialer dialer = new DirectDialer(Transports.NIO, Duration.ofSeconds(5))) {
      RelayServer onNio =
          RelayServer.start(
              LoopbackSettings.with(RelaySettings.Limits.DEFAULT),
              Allowlist.parse(List.of()),
              dialer,
              UpstreamGate.OPEN,
              log,
              new RelayStats(),
              nio,
              Transports.NIO);
      try {
        assertThatThrownBy(() -> onNio.listenUnix(tmp.resolve("relay.sock"), OWNER_ONLY))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("needs netty's epoll transport")
            .hasMessageNotContaining("\n");
        assertThat(tmp.resolve("relay.sock")).doesNotExist();
      } finally {
        onNio.close();
      }
    } finally {
      nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** Sends {@code request} on a fresh connection to the socket; the first {@code n} bytes back. */
  private static byte[] exchange(Path socket, byte[] request, int n) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      Channels.newOutputStream(ch).write(request);
      byte[] reply = new byte[n];
      new DataInputStream(Channels.newInputStream(ch)).readFully(reply);
      return reply;
    }
  }

  /** A SOCKS5 CONNECT to HOST:ECHO over the Unix socket, then "hi" through it. */
  private String tunnelAndEcho(Path socket, String host) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      OutputStream out = Channels.newOutputStream(ch);
      DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
      out.write(new byte[] {5, 1, 0});
      assertThat(in.readShort()).isEqualTo((short) 0x0500);
      byte[] name = host.getBytes(StandardCharsets.US_ASCII);
      ByteBuffer request = ByteBuffer.allocate(7 + name.length);
      request.put(new byte[] {5, 1, 0, 3, (byte) name.length}).put(name);
      request.putShort((short) echo.port());
      out.write(request.array());
      byte[] reply = new byte[4];
      in.readFully(reply);
      assertThat(reply[1]).as("reply code").isZero();
      int bound = reply[3] == 1 ? 4 : reply[3] == 4 ? 16 : in.read();
      in.readFully(new byte[bound + 2]);
      out.write("hi".getBytes(StandardCharsets.UTF_8));
      byte[] back = new byte[2];
      in.readFully(back);
      return new String(back, StandardCharsets.UTF_8);
    }
  }
}
