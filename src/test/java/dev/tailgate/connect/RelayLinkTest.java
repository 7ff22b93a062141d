package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  @Test
  void aReadTimesOutWhenTheRelayStaysSilent() throws Exception {
    Path path = tmp.resolve("silent.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (RelayLink link = RelayLink.unix(path);
          SocketChannel accepted = server.accept()) {
        link.readTimeout(200);
        long started = System.nanoTime();
        assertThat(accepted.isConnected()).isTrue();

        assertThatThrownBy(() -> link.in().read()).isInstanceOf(SocketTimeoutException.class);
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(5));
      }
    }
  }

  @Test
  void aCancelledTimeoutLeavesTheLinkOpen() throws Exception {
    Path path = tmp.resolve("slow.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (RelayLink link = RelayLink.unix(path);
          SocketChannel accepted = server.accept()) {
        link.readTimeout(100);
        link.readTimeout(0);
        Thread.sleep(300);
        accepted.write(ByteBuffer.wrap(new byte[] {7}));

        assertThat(link.in().read()).isEqualTo(7);
      }
    }
  }

  @Test
  void writesWhileAnotherThreadIsBlockedReading() throws Exception {
    Path path = tmp.resolve("both.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      try (RelayLink link = RelayLink.unix(path);
          SocketChannel accepted = server.accept()) {
        CompletableFuture<Integer> read =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return link.in().read();
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
        Thread.sleep(200); // the reader is blocked in the channel by now

        link.out().write("ping".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer got = ByteBuffer.allocate(4);
        while (got.hasRemaining()) {
          accepted.read(got);
        }
        accepted.write(ByteBuffer.wrap(new byte[] {1}));

        assertThat(new String(got.array(), StandardCharsets.US_ASCII)).isEqualTo("ping");
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(1);
      }
    }
  }
}
