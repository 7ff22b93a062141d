package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.testing.SocksClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Whatever a step of a tunnel's set-up throws after the request is complete ends the connection at
 * once, logged as the relay's error. Here the dial's listener meets an Error, as a class that
 * failed to load throws: before, netty's listener only warned, and the client waited with no
 * deadline and no log line.
 */
class SetupFaultTest {
  @Test
  void anErrorInTheDialsListenerClosesTheClientAndIsLogged() throws Exception {
    RelayStats broken =
        new RelayStats(
            (nanos, ok) -> {
              throw new NoClassDefFoundError("dev/tailgate/web/Gone");
            });
    try (EchoRelay r = new EchoRelay(RelaySettings.Limits.DEFAULT, 1, broken);
        Socket s = SocksClient.open(r.relay.address())) {
      s.setSoTimeout(5_000);
      long started = System.nanoTime();
      assertThat(endsWithoutSuccess(s, r.echo.port())).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      ConnectionEvent line = r.log.last();
      assertThat(line.result()).isEqualTo("error");
      assertThat(line.reason()).startsWith("internal error: ").contains("dev/tailgate/web/Gone");
      assertThat(line.closedBy()).isEqualTo("relay");
      assertThat(r.stats.open()).isZero();
    }
  }

  /** Asks for the echo server; says whether the relay closed the connection without a success. */
  private static boolean endsWithoutSuccess(Socket s, int port) throws IOException {
    int reply;
    try {
      reply = SocksClient.connect(s, "127.0.0.1", port);
    } catch (java.io.EOFException | SocketException closed) {
      return true; // closed before any reply
    }
    if (reply == 0) {
      return false;
    }
    InputStream in = s.getInputStream();
    try {
      return in.read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }
}
