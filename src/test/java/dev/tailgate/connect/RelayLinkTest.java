package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay link over a Unix-domain socket: a read timeout, and reading while writing. */
class RelayLinkTest {
  @TempDir Path tmp;

  /** What a test does with a link and the relay's end of it. */
  interface Exchange {
    void run(RelayLink link, SocketChannel relay) throws Exception;
  }

  /** Runs {@code exchange} on a link to a socket in {@code tmp} and the accepted channel. */
  private void linked(Exchange exchange) throws Exception {
    Path path = tmp.resolve("relay.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (RelayLink link = RelayLink.unix(path);
          SocketChannel relay = server.accept()) {
        exchange.run(link, relay);
      }
    }
  }

  @Test
  void noSocketFileIsARefusalAsNoListenerIs() throws Exception {
    Path stale = tmp.resolve("stale.sock");
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(stale));
    }

    assertThatThrownBy(() -> RelayLink.unix(tmp.resolve("missing.sock")))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("no socket at");
    assertThatThrownBy(() -> RelayLink.unix(stale)).isInstanceOf(ConnectException.class);
  }

  @Test
  void aReadTimesOutWhenTheRelayStaysSilent() throws Exception {
    linked(
        (link, relay) -> {
          link.readTimeout(200);
          long started = System.nanoTime();

          assertThatThrownBy(() -> link.in().read()).isInstanceOf(SocketTimeoutException.class);
          assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(5));
          assertThat(relay.isConnected()).isTrue();
        });
  }

  @Test
  void aCancelledTimeoutLeavesTheLinkOpen() throws Exception {
    linked(
        (link, relay) -> {
          link.readTimeout(100);
          link.readTimeout(0);
          Thread.sleep(300);
          relay.write(ByteBuffer.wrap(new byte[] {7}));

          assertThat(link.in().read()).isEqualTo(7);
        });
  }

  @Test
  void writesWhileAnotherThreadIsBlockedReading() throws Exception {
    linked(
        (link, relay) -> {
          CompletableFuture<Integer> read =
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return link.in().read();
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  });
          Thread.sleep(200); // the reader is blocked in the channel by now

          link.out().write("ping".getBytes(StandardCharsets.US_ASCII));
          ByteBuffer got = ByteBuffer.allocate(4);
          while (got.hasRemaining()) {
            relay.read(got);
          }
          relay.write(ByteBuffer.wrap(new byte[] {1}));

          assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("ping");
          assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        });
  }
}
