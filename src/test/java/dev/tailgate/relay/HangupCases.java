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
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The cases of issue 15's hang-up tests, one list for every listener: each handshake shape, each
 * byte boundary of it, each way a client ends its side; and what the relay must do then.
 */
final class HangupCases {
  /** Well under the handshake deadline: the close must follow the client's, not the timer. */
  static final Duration AT_ONCE = Duration.ofMillis(500);

  private HangupCases() {}

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
    HTTP_PASSWORD(true, ascii("CONNECT db.x:22 HTTP/1.1\r\n" + basicAuth() + "\r\n")),
    /** The plain forwarding's first request, which the same decoder reads before it forwards. */
    HTTP_FORWARD(false, ascii("GET http://db.x/ HTTP/1.1\r\nHost: db.x\r\n\r\n")),
    HTTP_FORWARD_PASSWORD(
        true, ascii("GET http://db.x/ HTTP/1.1\r\nHost: db.x\r\n" + basicAuth() + "\r\n"));

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

  /** A Proxy-Authorization header line with {@link HandshakeTrial}'s user and password. */
  private static String basicAuth() {
    return "Proxy-Authorization: Basic "
        + Base64.getEncoder()
            .encodeToString(ascii(HandshakeTrial.USER + ":" + HandshakeTrial.PASSWORD))
        + "\r\n";
  }

  /** How the client ends its side. */
  enum Hangup {
    CLOSE,
    HALF_CLOSE,
    /** SO_LINGER 0 then close: TCP only, a Unix socket has no reset. */
    RESET
  }

  /**
   * Every shape, cut after each of its byte counts (none for SOCKS5 alone: connect-and-close once
   * is enough), ended each of {@code ways}: arguments (shape, bytes sent, hang-up).
   */
  static Stream<Arguments> of(Set<Hangup> ways) {
    return Arrays.stream(Shape.values())
        .flatMap(
            shape ->
                IntStream.range(shape == Shape.SOCKS5 ? 0 : 1, shape.handshake.length)
                    .boxed()
                    .flatMap(n -> ways.stream().map(h -> Arguments.of(shape, n, h))));
  }

  /** Every case, for a listener where every way of hanging up exists. */
  static Stream<Arguments> all() {
    return of(EnumSet.allOf(Hangup.class));
  }

  /**
   * The two relays the cases run against, started for the test class and stopped after it: on
   * loopback port 0, one open and one with {@link HandshakeTrial}'s password, both with the 10 s
   * handshake deadline the cases must beat, dialing nothing, and logging to one log. Each test must
   * also leave no warning or error logged anywhere.
   */
  static final class Relays
      implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    final RecordingLog log = new RecordingLog();
    private EventLoopGroup group;
    private RelayServer open;
    private RelayServer withPassword;
    private LogCapture warnings;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      group = Transports.best().newGroup(2);
      open = relay(null);
      withPassword = relay(HandshakeTrial.credentials());
    }

    private RelayServer relay(Credentials credentials) throws Exception {
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

    /** The relay for {@code shape}: the one with the password if it sends one. */
    RelayServer of(Shape shape) {
      return shape.password ? withPassword : open;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
      warnings = new LogCapture();
    }

    @Override
    public void afterEach(ExtensionContext context) {
      warnings.close();
      assertThat(warnings.problems()).as("warnings or errors logged during the test").isEmpty();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
      open.close();
      withPassword.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /**
   * The relay's log line for a hang-up: the client's close, a protocol error, and well before the
   * deadline.
   */
  static void assertClosedByTheClientAtOnce(ConnectionEvent e) {
    assertThat(e.result()).isEqualTo("protocol_error");
    assertThat(e.closedBy()).isEqualTo("client");
    assertThat(e.durationMs())
        .as("closed %s after the hang-up", AT_ONCE)
        .isLessThan(AT_ONCE.toMillis());
  }

  /** Whether the stream ends (EOF) within {@link #AT_ONCE}, whatever the relay answered first. */
  static boolean readsToEnd(InputStream in) throws IOException {
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
