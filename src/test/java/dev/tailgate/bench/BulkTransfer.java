package dev.tailgate.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One stream of bulk data, client to sink, through a proxy. A watchdog closes the stream if it
 * takes longer than its limit.
 *
 * <p>{@link #throughput} times from the first write (after the SOCKS5 handshake) to the sink's read
 * of the last byte, and closes only after that, so the number does not depend on how a proxy
 * handles the close. {@link #halfClose} checks that handling on its own: it shuts the client's
 * output right after the last write, as a file upload would, and counts what reached the sink.
 */
final class BulkTransfer {
  static final long MIB = 1024 * 1024;
  private static final int WRITE_BUFFER = 256 * 1024;
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;
  private static final long END_TIMEOUT_SECONDS = 10;

  private final SinkServer sink;
  private final ScheduledExecutorService watchdog;
  private final ByteBuffer data = ByteBuffer.allocateDirect(WRITE_BUFFER);

  BulkTransfer(SinkServer sink, ScheduledExecutorService watchdog) {
    this.sink = sink;
    this.watchdog = watchdog;
    for (int i = 0; i < WRITE_BUFFER; i++) {
      data.put((byte) (i * 31 + 7));
    }
  }

  /** Time allowed for {@code bytes}: 30 s, plus one second for every 10 MiB. */
  static Duration limitFor(long bytes) {
    return Duration.ofSeconds(30 + bytes / (10 * MIB));
  }

  /**
   * Sends {@code bytes} through {@code proxy}; returns MiB/s from the first byte written to the
   * last byte read by the sink. Fails unless the sink got exactly {@code bytes}.
   */
  double throughput(Proxy proxy, long bytes) throws IOException {
    SinkServer.Delivery delivery = sink.expect(bytes);
    long start;
    long arrived;
    try (SocketChannel channel = SocketChannel.open()) {
      ScheduledFuture<?> guard = open(channel, proxy, bytes);
      try {
        start = System.nanoTime();
        writeAll(channel, bytes);
        arrived = await(proxy, delivery.arrivedNanos(), limitFor(bytes).toSeconds());
      } catch (ClosedChannelException e) {
        throw new IOException(proxy.name() + ": bulk transfer took over " + limitFor(bytes), e);
      } finally {
        guard.cancel(false);
      }
    }
    long total = await(proxy, delivery.total(), END_TIMEOUT_SECONDS);
    if (total != bytes) {
      throw new IOException(proxy.name() + ": sink got " + total + " bytes, " + bytes + " sent");
    }
    return bytes / (double) MIB / ((arrived - start) / 1e9);
  }

  /**
   * Sends {@code bytes} through {@code proxy} and shuts the output at once; returns how many bytes
   * the sink read before its connection ended. Anything short of {@code bytes} was lost.
   */
  long halfClose(Proxy proxy, long bytes) throws IOException {
    SinkServer.Delivery delivery = sink.expect(bytes);
    try (SocketChannel channel = SocketChannel.open()) {
      ScheduledFuture<?> guard = open(channel, proxy, bytes);
      try {
        writeAll(channel, bytes);
        channel.shutdownOutput();
        return await(proxy, delivery.total(), limitFor(bytes).toSeconds());
      } catch (ClosedChannelException e) {
        throw new IOException(proxy.name() + ": bulk transfer took over " + limitFor(bytes), e);
      } finally {
        guard.cancel(false);
      }
    }
  }

  private ScheduledFuture<?> open(SocketChannel channel, Proxy proxy, long bytes)
      throws IOException {
    Socket socket = channel.socket();
    socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
    proxy.open(socket, sink.address(), CONNECT_TIMEOUT_MILLIS);
    return watchdog.schedule(
        () -> closeQuietly(channel), limitFor(bytes).toMillis(), TimeUnit.MILLISECONDS);
  }

  private void writeAll(SocketChannel channel, long bytes) throws IOException {
    for (long left = bytes; left > 0; ) {
      data.clear().limit((int) Math.min(WRITE_BUFFER, left));
      while (data.hasRemaining()) {
        left -= channel.write(data);
      }
    }
  }

  private static long await(Proxy proxy, CompletableFuture<Long> future, long seconds)
      throws IOException {
    try {
      return future.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IOException(proxy.name() + ": the sink waited over " + seconds + " s", e);
    } catch (ExecutionException e) {
      throw new IOException(proxy.name() + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing to unblock a stuck write: nothing more to do.
    }
  }
}
