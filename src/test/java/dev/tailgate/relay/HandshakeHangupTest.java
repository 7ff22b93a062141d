package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that ends its side during a handshake (close, half-close or reset, at every byte
 * boundary of every handshake shape) is closed at once and frees its slot, instead of holding it
 * until the 10 s handshake deadline (issue 15).
 */
class HandshakeHangupTest {
  /** Well under the handshake deadline: the close must follow the client's, not the timer. */
  private static final Duration AT_ONCE = Duration.ofMillis(500);

  /** A complete, valid handshake of each shape; every proper prefix of it is a hang-up point. */
  enum Shape {
    SOCKS5(false, bytes(5, 1, 0), bytes(5, 1, 0, 1, 127, 0, 0, 1, 0, 22)),
    SOCKS5_PASSWORD(
        true,
        bytes(5, 2, 0, 2),
        bytes(1, 7),
        ascii(HandshakeTrial.USER),
        bytes(6),
        ascii(HandshakeTrial.PASSWORD),
        bytes(5, 1, 0, 3, 4),
        ascii("db.x"),
        bytes(0, 22)),
    SOCKS4(false, bytes(4, 1, 0, 22, 127, 0, 0, 1), ascii("u"), bytes(0)),
    SOCKS4A(false, bytes(4, 1, 0, 22, 0, 0, 0, 1, 0), ascii("db.x"), bytes(0)),
    HTTP(false, ascii("CONNECT db.x:22 HTTP/1.1\r\nHost: db.x:22\r\n\r\n")),
    HTTP_PASSWORD(
        true,
        ascii(
            "CONNECT db.x:22 HTTP/1.1\r\nProxy-Authorization: Basic "
                + java.util.Base64.getEncoder()
                    .encodeToString(ascii(HandshakeTrial.USER + ":" + HandshakeTrial.PASSWORD))
                + "\r\n\r\n"));

    final boolean password;
    final byte[] handshake;

    Shape(boolean password, byte[]... parts) {
      this.password = password;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (byte[] part : parts) {
        out.writeBytes(part);
      }
      this.handshake = out.toByteArray();
    }
  }

  /** How the client ends its side. */
  enum Hangup {
    CLOSE,
    HALF_CLOSE,
    RESET
  }

  private static EventLoopGroup group;
  private static RelayServer open;
  private static RelayServer withPassword;
  private static final RecordingLog log = new RecordingLog();
  private final LogCapture warnings = new LogCapture();

  @BeforeAll
  static void start() throws Exception {
    group = Transports.best().newGroup(2);
    open = relay(null);
    withPassword = relay(HandshakeTrial.credentials());
  }

  private static RelayServer relay(Credentials credentials) throws Exception {
    return RelayServer.start(
        new RelaySettings(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            Duration.ofMinutes(1),
            credentials),
        Allowlist.parse(List.of()),
        ScriptedDialer.succeeding(),
        UpstreamGate.OPEN,
        log,
        new RelayStats(),
        group,
        Transports.best());
  }

  @AfterAll
  static void stop() throws Exception {
    open.close();
    withPassword.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  @AfterEach
  void noWarnings() {
    warnings.close();
    assertThat(warnings.problems()).as("warnings or errors logged during the test").isEmpty();
  }

  static Stream<Arguments> hangups() {
    return Arrays.stream(Shape.values())
        .flatMap(
            shape ->
                IntStream.range(shape == Shape.SOCKS5 ? 0 : 1, shape.handshake.length)
                    .boxed()
                    .flatMap(
                        n -> Arrays.stream(Hangup.values()).map(h -> Arguments.of(shape, n, h))));
  }

  @ParameterizedTest(name = "{0} after {1} bytes, {2}")
  @MethodSource("hangups")
  void closesAtOnceAndFreesTheSlotWhenTheClientHangsUpMidHandshake(
      Shape shape, int sent, Hangup hangup) throws Exception {
    RelayServer relay = shape.password ? withPassword : open;
    int before = log.events().size();
    Socket s = new Socket();
    try {
      s.connect(relay.address());
      s.getOutputStream().write(shape.handshake, 0, sent);
      s.getOutputStream().flush();
      switch (hangup) {
        case CLOSE -> s.close();
        case RESET -> {
          s.setSoLinger(true, 0);
          s.close();
        }
        case HALF_CLOSE -> {
          s.setSoTimeout((int) AT_ONCE.toMillis());
          s.shutdownOutput();
          assertThat(readsToEnd(s.getInputStream()))
              .as("the relay closes its side at once")
              .isTrue();
        }
      }
    } finally {
      s.close();
    }
    // The line comes after the slot is freed (the close listener frees it first); it may wait a
    // little for the client's process to be found. Counting before it could miss a connection
    // that the relay had not yet accepted when the client had already gone.
    ConnectionEvent e = log.await(before + 1, Duration.ofSeconds(5));
    assertThat(e.result()).isEqualTo("protocol_error");
    assertThat(e.closedBy()).isEqualTo("client");
    assertThat(e.durationMs())
        .as("closed %s after the hang-up", AT_ONCE)
        .isLessThan(AT_ONCE.toMillis());
    assertThat(relay.stats().open()).as("connections open after the hang-up").isZero();
    assertThat(relay.stats().handshaking()).as("handshakes pending after the hang-up").isZero();
  }

  /** Whether the stream ends (EOF) within {@link #AT_ONCE}, whatever the relay answered first. */
  private static boolean readsToEnd(InputStream in) throws IOException {
    long deadline = System.nanoTime() + AT_ONCE.toNanos();
    byte[] buf = new byte[512];
    while (System.nanoTime() < deadline) {
      try {
        if (in.read(buf) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        return false;
      }
    }
    return false;
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
