package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.CountingSink;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The relay on real loopback sockets, with real targets and real upstream relays. */
class RelayServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final LogCapture warnings = new LogCapture();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    warnings.close();
    assertThat(warnings.problems()).as("warnings or errors logged during the test").isEmpty();
  }

  private RelaySettings settings(Duration handshake, Duration dial) {
    return new RelaySettings(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        handshake,
        dial,
        Duration.ofMinutes(1),
        null);
  }

  private RelayServer relay(
      Transports transport, List<String> rules, UpstreamDialer dialer, RecordingLog log)
      throws Exception {
    return relay(
        transport, rules, dialer, log, settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
  }

  private RelayServer relay(
      Transports transport,
      List<String> rules,
      UpstreamDialer dialer,
      RecordingLog log,
      RelaySettings s)
      throws Exception {
    EventLoopGroup group = transport.newGroup(2);
    open.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync());
    RelayServer server =
        RelayServer.start(
            s,
            Allowlist.parse(rules),
            dialer,
            UpstreamGate.OPEN,
            log,
            new RelayStats(),
            group,
            transport);
    open.add(server);
    return server;
  }

  private EchoServer echo() throws IOException {
    EchoServer echo = new EchoServer();
    open.add(echo);
    return echo;
  }

  private DirectDialer direct(Transports transport) {
    DirectDialer dialer = new DirectDialer(transport, Duration.ofSeconds(5));
    open.add(dialer);
    return dialer;
  }

  @ParameterizedTest
  @EnumSource(Transports.class)
  void relaysFourMebibytesBothWaysAndHalfClosesCleanly(Transports transport) throws Exception {
    EchoServer echo = echo();
    RecordingLog log = new RecordingLog();
    RelayServer relay =
        relay(transport, List.of("127.0.0.1:" + echo.port()), direct(transport), log);
    byte[] payload = new byte[4 << 20];
    new Random(42).nextBytes(payload);

    try (Socket s = SocksClient.open(relay.address())) {
      assertThat(SocksClient.connect(s, "127.0.0.1", echo.port())).isZero();
      CompletableFuture<Void> send =
          CompletableFuture.runAsync(
              () -> {
                try {
                  s.getOutputStream().write(payload);
                  s.shutdownOutput();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      byte[] back = s.getInputStream().readAllBytes();
      send.get(10, TimeUnit.SECONDS);
      assertThat(back).isEqualTo(payload);
    }

    ConnectionEvent e = log.await(1, WAIT);
    assertThat(e.result()).isEqualTo("ok");
    assertThat(e.bytesUp()).isEqualTo(payload.length);
    assertThat(e.bytesDown()).isEqualTo(payload.length);
    assertThat(e.closedBy()).isEqualTo("client");
    assertThat(e.client()).startsWith("127.0.0.1:");
  }

  @Test
  void keepsEveryByteWhenTheClientHalfClosesRightAfterItsLastWrite() throws Exception {
    CountingSink sink = new CountingSink();
    open.add(sink);
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    RelayServer relay = relay(t, List.of("127.0.0.1:" + sink.port()), direct(t), log);
    byte[] payload = new byte[16 << 20];

    for (int i = 0; i < 10; i++) {
      try (Socket s = SocksClient.open(relay.address())) {
        assertThat(SocksClient.connect(s, "127.0.0.1", sink.port())).isZero();
        s.getOutputStream().write(payload);
        s.shutdownOutput();
        long received;
        try {
          received = new java.io.DataInputStream(s.getInputStream()).readLong();
        } catch (java.io.EOFException e) {
          throw new AssertionError("no count came back; log: " + log.await(i + 1, WAIT), e);
        }
        assertThat(received).as("bytes the target got, run %d", i).isEqualTo(payload.length);
      }
    }
    log.await(10, WAIT);
  }

  private RelaySettings limited(RelaySettings.Limits limits) {
    return new RelaySettings(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        Duration.ofMinutes(1),
        null,
        limits);
  }

  @Test
  void refusesAConnectionOverTheLimitWithReply02AndALogLineNamingIt() throws Exception {
    EchoServer echo = echo();
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    RelayServer relay =
        relay(
            t,
            List.of("127.0.0.1:" + echo.port()),
            direct(t),
            log,
            limited(new RelaySettings.Limits(2, 10, 10)));

    try (Socket a = SocksClient.open(relay.address());
        Socket b = SocksClient.open(relay.address())) {
      assertThat(SocksClient.connect(a, "127.0.0.1", echo.port())).isZero();
      assertThat(SocksClient.connect(b, "127.0.0.1", echo.port())).isZero();
      try (Socket c = SocksClient.open(relay.address())) {
        assertThat(SocksClient.connect(c, "127.0.0.1", echo.port())).isEqualTo(0x02);
      }
      ConnectionEvent refused = log.await(1, WAIT);
      assertThat(refused.rule()).isEqualTo("limit:connections");
      assertThat(refused.result()).isEqualTo("denied");
      assertThat(refused.reason()).isEqualTo("tailgate already has 2 connections open");
    }
  }

  @Test
  void refusesHttpOverTheLimitWith503() throws Exception {
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    RelayServer relay =
        relay(
            t,
            List.of("*.example:*"),
            direct(t),
            log,
            limited(new RelaySettings.Limits(10, 1, 10)));

    try (Socket first = SocksClient.open(relay.address())) {
      // The first is registered (it answered its greeting) before the second arrives.
      first.getOutputStream().write(new byte[] {5, 1, 0});
      assertThat(first.getInputStream().readNBytes(2)).containsExactly(5, 0);
      String answer;
      try (Socket second = SocksClient.open(relay.address())) {
        second
            .getOutputStream()
            .write(
                "CONNECT a.example:22 HTTP/1.1\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        answer =
            new String(
                second.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
      }

      assertThat(answer)
          .startsWith("HTTP/1.1 503 ")
          .contains("client 127.0.0.1 already has 1 connections open");
      assertThat(log.await(1, WAIT).rule()).isEqualTo("limit:per-client");
    }
  }

  @Test
  void closesConnectionsBeyondTheHandshakeLimitAtOnce() throws Exception {
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    RelayServer relay =
        relay(t, List.of("*:*"), direct(t), log, limited(new RelaySettings.Limits(10, 10, 1)));

    try (Socket idle = SocksClient.open(relay.address());
        Socket flood = SocksClient.open(relay.address())) {
      assertThat(flood.getInputStream().read()).isEqualTo(-1);
      ConnectionEvent e = log.await(1, WAIT);
      assertThat(e.rule()).isEqualTo("limit:handshakes");
      assertThat(e.reason()).isEqualTo("more than 1 handshakes in progress");
      assertThat(idle.isClosed()).isFalse();
    }
  }

  @Test
  void repliesRefusedForAClosedPort() throws Exception {
    int closed = freePort();
    RecordingLog log = new RecordingLog();
    Transports t = Transports.best();
    RelayServer relay = relay(t, List.of("127.0.0.1:*"), direct(t), log);

    try (Socket s = SocksClient.open(relay.address())) {
      assertThat(SocksClient.connect(s, "127.0.0.1", closed)).isEqualTo(0x05);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(log.await(1, WAIT).result()).isEqualTo("refused");
  }

  @Test
  void passesNamesUpstreamUnresolvedThroughAChainedRelay() throws Exception {
    EchoServer echo = echo();
    Transports t = Transports.best();
    RecordingLog upstreamLog = new RecordingLog();
    RelayServer upstream = relay(t, List.of("localhost:" + echo.port()), direct(t), upstreamLog);
    RecordingLog log = new RecordingLog();
    RelayServer front =
        relay(
            t,
            List.of("localhost:" + echo.port()),
            new Socks5Dialer(t, upstream.address(), Duration.ofSeconds(5)),
            log);

    try (Socket s = SocksClient.open(front.address())) {
      assertThat(SocksClient.connect(s, "localhost", echo.port())).isZero();
      s.getOutputStream().write("ping".getBytes());
      assertThat(s.getInputStream().readNBytes(4)).isEqualTo("ping".getBytes());
    }

    assertThat(upstreamLog.await(1, WAIT).targetHost()).isEqualTo("localhost");
    assertThat(log.await(1, WAIT).result()).isEqualTo("ok");
  }

  @Test
  void passesTheUpstreamRefusalCodeOnForOneTarget() throws Exception {
    Transports t = Transports.best();
    int closed = freePort();
    RelayServer upstream = relay(t, List.of("127.0.0.1:" + closed), direct(t), new RecordingLog());
    RecordingLog log = new RecordingLog();
    RelayServer front =
        relay(
            t,
            List.of("127.0.0.1:*"),
            new Socks5Dialer(t, upstream.address(), Duration.ofSeconds(5)),
            log);

    try (Socket s = SocksClient.open(front.address())) {
      assertThat(SocksClient.connect(s, "127.0.0.1", closed)).isEqualTo(0x05);
    }
    try (Socket s = SocksClient.open(front.address())) {
      assertThat(SocksClient.connect(s, "127.0.0.1", closed + 1 > 65535 ? 1 : closed + 1))
          .as("the upstream's allowlist refuses it with 0x02")
          .isEqualTo(0x02);
    }

    ConnectionEvent refused = log.await(1, WAIT);
    assertThat(refused.result()).isEqualTo("refused");
    assertThat(refused.reason()).contains("0x05");
    assertThat(log.await(2, WAIT).result()).isEqualTo("denied");
  }

  @Test
  void answersGeneralFailureWhenTheUpstreamIsDown() throws Exception {
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    InetSocketAddress dead = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
    RelayServer front =
        relay(
            t,
            List.of("*.example.ts.net:*"),
            new Socks5Dialer(t, dead, Duration.ofSeconds(5)),
            log);

    try (Socket s = SocksClient.open(front.address())) {
      assertThat(SocksClient.connect(s, "db1.example.ts.net", 22)).isEqualTo(0x01);
    }

    ConnectionEvent e = log.await(1, WAIT);
    assertThat(e.result()).isEqualTo("error");
    assertThat(e.reason()).contains("upstream").contains("refused");
  }

  @Test
  void timesOutAnUpstreamThatAcceptsButNeverAnswers() throws Exception {
    Transports t = Transports.best();
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    open.add(silent);
    List<Socket> held = new ArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  held.add(silent.accept());
                }
              } catch (IOException ignored) {
                // closed by the test
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    RecordingLog log = new RecordingLog();
    RelayServer front =
        relay(
            t,
            List.of("*.example.ts.net:*"),
            new Socks5Dialer(
                t, (InetSocketAddress) silent.getLocalSocketAddress(), Duration.ofMillis(500)),
            log);

    long start = System.nanoTime();
    try (Socket s = SocksClient.open(front.address())) {
      assertThat(SocksClient.connect(s, "db1.example.ts.net", 22)).isEqualTo(0x01);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    ConnectionEvent e = log.await(1, WAIT);
    assertThat(e.result()).isEqualTo("timeout");
    assertThat(e.reason()).contains("upstream");
  }

  @Test
  void closesAClientThatSendsOneByteAndStallsAtTheHandshakeDeadline() throws Exception {
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    RelayServer relay =
        relay(
            t,
            List.of("*:*"),
            direct(t),
            log,
            settings(Duration.ofMillis(300), Duration.ofSeconds(5)));

    long start = System.nanoTime();
    try (Socket s = SocksClient.open(relay.address())) {
      s.getOutputStream().write(5);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(log.await(1, WAIT).result()).isEqualTo("timeout");
  }

  @Test
  void servesTwoHundredConcurrentClients() throws Exception {
    EchoServer echo = echo();
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    RelayServer relay = relay(t, List.of("127.0.0.1:" + echo.port()), direct(t), log);
    ExecutorService pool = Executors.newFixedThreadPool(50);
    open.add(pool::shutdownNow);

    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String message = "client-" + i;
      results.add(
          pool.submit(
              () -> {
                try (Socket s = SocksClient.open(relay.address())) {
                  if (SocksClient.connect(s, "127.0.0.1", echo.port()) != 0) {
                    return "refused";
                  }
                  OutputStream out = s.getOutputStream();
                  out.write(message.getBytes());
                  s.shutdownOutput();
                  InputStream in = s.getInputStream();
                  ByteArrayOutputStream back = new ByteArrayOutputStream();
                  in.transferTo(back);
                  return back.toString();
                }
              }));
    }
    for (int i = 0; i < results.size(); i++) {
      assertThat(results.get(i).get(20, TimeUnit.SECONDS)).isEqualTo("client-" + i);
    }
    log.await(200, WAIT);
    assertThat(log.events()).allMatch(e -> e.result().equals("ok"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
