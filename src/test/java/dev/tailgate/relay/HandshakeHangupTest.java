package dev.tailgate.relay;

import static dev.tailgate.relay.HangupCases.AT_ONCE;
import static dev.tailgate.relay.HangupCases.readsToEnd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.relay.HangupCases.Hangup;
import dev.tailgate.relay.HangupCases.Shape;
import java.net.Socket;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that ends its side during a handshake (close, half-close or reset, at every byte
 * boundary of every handshake shape) is closed at once and frees its slot, instead of holding it
 * until the 10 s handshake deadline (issue 15).
 */
class HandshakeHangupTest {
  @RegisterExtension static final HangupCases.Relays relays = new HangupCases.Relays();

  static Stream<Arguments> hangups() {
    return HangupCases.all();
  }

  @ParameterizedTest(name = "{0} after {1} bytes, {2}")
  @MethodSource("hangups")
  void closesAtOnceAndFreesTheSlotWhenTheClientHangsUpMidHandshake(
      Shape shape, int sent, Hangup hangup) throws Exception {
    RelayServer relay = relays.of(shape);
    int before = relays.log.events().size();
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
    ConnectionEvent e = relays.log.await(before + 1, Duration.ofSeconds(5));
    HangupCases.assertClosedByTheClientAtOnce(e);
    assertThat(relay.stats().open()).as("connections open after the hang-up").isZero();
    assertThat(relay.stats().handshaking()).as("handshakes pending after the hang-up").isZero();
  }
}
