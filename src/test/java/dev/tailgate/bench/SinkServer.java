package dev.tailgate.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback sink target: reads and discards. Armed with {@link #expect} before each bulk run, it
 * stamps the moment the next connection has delivered the expected number of bytes, so the clock
 * stops when the data has arrived, not when the client's last write returned.
 */
final class SinkServer implements AutoCloseable {
  private static final int READ_BUFFER = 256 * 1024;

  private final ServerSocketChannel server;
  private final ExecutorService readers = Executors.newCachedThreadPool(Daemons.named("sink"));
  private volatile Delivery armed;

  private SinkServer(ServerSocketChannel server) {
    this.server = server;
  }

  /** Listens on 127.0.0.1 on a free port. */
  static SinkServer start() throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    SinkServer sink = new SinkServer(server);
    Daemons.named("sink-accept").newThread(sink::acceptLoop).start();
    return sink;
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  /**
   * Arms the sink for the next connection, and returns what it will see there: the {@link
   * System#nanoTime()} of the read that brought the count to {@code bytes} (failing if the
   * connection ends short of it), and the total once the connection has ended.
   */
  Delivery expect(long bytes) {
    Delivery next = new Delivery(bytes, new CompletableFuture<>(), new CompletableFuture<>());
    armed = next;
    return next;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel channel = server.accept();
        Delivery delivery = armed;
        armed = null;
        readers.execute(() -> drain(channel, delivery));
      } catch (IOException e) {
        // Closed: the loop ends.
      }
    }
  }

  private static void drain(SocketChannel channel, Delivery delivery) {
    ByteBuffer buf = ByteBuffer.allocateDirect(READ_BUFFER);
    long total = 0;
    IOException error = null;
    try (channel) {
      for (int n = channel.read(buf); n >= 0; n = channel.read(buf)) {
        total += n;
        buf.clear();
        if (delivery != null && total >= delivery.expected()) {
          delivery.arrivedNanos().complete(System.nanoTime());
        }
      }
    } catch (IOException e) {
      error = e;
    }
    if (delivery == null) {
      return;
    }
    delivery
        .arrivedNanos()
        .completeExceptionally(
            new IOException(
                "sink got "
                    + total
                    + " of "
                    + delivery.expected()
                    + " bytes, then "
                    + (error == null ? "EOF" : error)));
    delivery.total().complete(total);
  }

  @Override
  public void close() throws IOException {
    server.close();
    readers.shutdownNow();
  }

  /** One armed bulk run: when the expected bytes had arrived, and how many came in all. */
  record Delivery(
      long expected, CompletableFuture<Long> arrivedNanos, CompletableFuture<Long> total) {}
}
