package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.relay.HangupCases.Hangup;
import dev.tailgate.relay.HangupCases.Shape;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Unix-socket listener closes a client that ends its side during a handshake at once, as the
 * TCP listener does ({@link HandshakeHangupTest}): the same shapes cut at every byte boundary,
 * closed or half-closed (a Unix socket has no reset).
 */
class UnixSocketHangupTest {
  @TempDir static Path tmp;
  @RegisterExtension static final HangupCases.Relays relays = new HangupCases.Relays();

  @BeforeAll
  static void listen() throws Exception {
    assumeTrue(Transports.best() == Transports.EPOLL, "needs epoll");
    for (Shape shape : List.of(Shape.SOCKS5, Shape.SOCKS5_PASSWORD)) {
      relays.of(shape).listenUnix(socket(shape), PosixFilePermissions.fromString("rw-------"));
    }
  }

  /** The socket of the relay for {@code shape}. */
  private static Path socket(Shape shape) {
    return tmp.resolve(shape.password ? "password.sock" : "open.sock");
  }

  static Stream<Arguments> hangups() {
    return HangupCases.of(EnumSet.of(Hangup.CLOSE, Hangup.HALF_CLOSE));
  }

  @ParameterizedTest(name = "{0} after {1} bytes, {2}")
  @MethodSource("hangups")
  void closesAtOnceAndFreesTheSlotWhenTheClientHangsUpMidHandshake(
      Shape shape, int sent, Hangup hangup) throws Exception {
    RelayServer relay = relays.of(shape);
    Path socket = socket(shape);
    int before = relays.log.events().size();
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ByteBuffer prefix = ByteBuffer.wrap(shape.handshake, 0, sent);
      while (prefix.hasRemaining()) {
        ch.write(prefix);
      }
      if (hangup == Hangup.HALF_CLOSE) {
        ch.shutdownOutput();
        assertThat(readsToEnd(ch)).as("the relay closes its side at once").isTrue();
      }
    }
    ConnectionEvent e = relays.log.await(before + 1, Duration.ofSeconds(5));
    HangupCases.assertClosedByTheClientAtOnce(e);
    assertThat(e.client()).isEqualTo("unix:" + socket);
    assertThat(relay.stats().open()).as("connections open after the hang-up").isZero();
    assertThat(relay.stats().handshaking()).as("handshakes pending after the hang-up").isZero();
  }

  /**
   * Whether the channel ends (EOF) within {@link HangupCases#AT_ONCE}, whatever the relay answered
   * first: a Unix {@link SocketChannel} has no read timeout, so it waits in a selector.
   */
  private static boolean readsToEnd(SocketChannel ch) throws IOException {
    long deadline = System.nanoTime() + HangupCases.AT_ONCE.toNanos();
    ByteBuffer buf = ByteBuffer.allocate(512);
    ch.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      ch.register(selector, SelectionKey.OP_READ);
      for (long left = deadline - System.nanoTime();
          left > 0;
          left = deadline - System.nanoTime()) {
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        selector.selectedKeys().clear();
        buf.clear();
        if (ch.read(buf) < 0) {
          return true;
        }
      }
    }
    return false;
  }
}
