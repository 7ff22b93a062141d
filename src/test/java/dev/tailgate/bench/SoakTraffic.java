package dev.tailgate.bench;

import dev.tailgate.testing.SocksClient;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The soak's mix of clients through the relay to one target by name: short connections (connect,
 * echo, close) one after another, bulk streams of a few MiB echoed back and checked, and idle
 * connections held open until {@link #stop()} (one that is cut is opened again). Every connection
 * becomes one {@link Attempt}.
 */
final class SoakTraffic {
  enum Kind {
    SHORT,
    BULK,
    IDLE
  }

  /** One client connection: when it started and ended, and whether it did all it should. */
  record Attempt(Kind kind, long startNanos, long endNanos, boolean ok, String error) {}

  static final int IDLE_CONNECTIONS = 20;
  static final int BULK_BYTES = 4 << 20;
  static final long SHORT_EVERY_MS = 100;
  static final long BULK_EVERY_MS = 2000;

  /** Longer than the 30 s tailgate holds a new connection during a re-bootstrap. */
  private static final int READ_TIMEOUT_MS = 40_000;

  private static final int IDLE_POLL_MS = 500;
  private static final int CHUNK = 64 * 1024;

  private final InetSocketAddress relay;
  private final String host;
  private final int port;
  private final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(Daemons.named("soak-client"));
  private final List<Future<?>> running = new ArrayList<>();
  private volatile boolean stopping;

  SoakTraffic(InetSocketAddress relay, String host, int port) {
    this.relay = relay;
    this.host = host;
    this.port = port;
  }

  void start(boolean withIdle) {
    running.add(threads.submit(() -> repeat(Kind.SHORT, SHORT_EVERY_MS, this::shortOnce)));
    running.add(threads.submit(() -> repeat(Kind.BULK, BULK_EVERY_MS, this::bulkOnce)));
    if (withIdle) {
      for (int i = 0; i < IDLE_CONNECTIONS; i++) {
        running.add(threads.submit(this::idleLoop));
      }
    }
  }

  /** Ends every client: each idle connection echoes once more and closes. Returns the attempts. */
  List<Attempt> stop() throws InterruptedException {
    stopping = true;
    for (Future<?> f : running) {
      try {
        f.get(READ_TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        attempts.add(new Attempt(Kind.SHORT, 0, System.nanoTime(), false, "client thread: " + e));
      }
    }
    threads.shutdownNow();
    return List.copyOf(attempts);
  }

  private interface Client {
    void run(Socket socket) throws IOException;
  }

  private void repeat(Kind kind, long everyMs, Client client) {
    while (!stopping) {
      attempt(kind, client);
      sleep(everyMs);
    }
  }

  private void attempt(Kind kind, Client client) {
    long start = System.nanoTime();
    try (Socket socket = open()) {
      client.run(socket);
      attempts.add(new Attempt(kind, start, System.nanoTime(), true, null));
    } catch (IOException e) {
      attempts.add(new Attempt(kind, start, System.nanoTime(), false, e.toString()));
    }
  }

  private Socket open() throws IOException {
    Socket socket = SocksClient.open(relay);
    try {
      socket.setSoTimeout(READ_TIMEOUT_MS);
      int reply = SocksClient.connect(socket, host, port);
      if (reply != 0) {
        throw new IOException(String.format("relay refused CONNECT: reply 0x%02x", reply));
      }
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private void shortOnce(Socket socket) throws IOException {
    echo(socket, new SplittableRandom().nextLong());
  }

  /** Sends 32 bytes and checks that the same 32 come back. */
  private static void echo(Socket socket, long seed) throws IOException {
    byte[] sent = new byte[32];
    new SplittableRandom(seed).nextBytes(sent);
    socket.getOutputStream().write(sent);
    byte[] back = socket.getInputStream().readNBytes(sent.length);
    if (!Arrays.equals(sent, back)) {
      throw new IOException("echo: " + back.length + " bytes back that differ from those sent");
    }
  }

  /** Writes {@link #BULK_BYTES} of a known pattern from a second thread, and checks the echo. */
  private void bulkOnce(Socket socket) throws IOException {
    Future<?> writer =
        threads.submit(
            () -> {
              OutputStream out = socket.getOutputStream();
              byte[] chunk = new byte[CHUNK];
              for (int sent = 0; sent < BULK_BYTES; sent += CHUNK) {
                fill(chunk, sent);
                out.write(chunk);
              }
              socket.shutdownOutput();
              return null;
            });
    InputStream in = socket.getInputStream();
    byte[] got = new byte[CHUNK];
    byte[] want = new byte[CHUNK];
    for (int read = 0; read < BULK_BYTES; read += CHUNK) {
      int n = in.readNBytes(got, 0, CHUNK);
      fill(want, read);
      if (n != CHUNK || !Arrays.equals(got, want)) {
        writer.cancel(true);
        throw new IOException(
            "bulk: " + (read + n) + " of " + BULK_BYTES + " bytes came back right");
      }
    }
    if (in.read() != -1) {
      throw new IOException("bulk: more bytes back than were sent");
    }
    try {
      writer.get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("bulk writer: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static void fill(byte[] chunk, int offset) {
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) ((offset + i) * 31 % 251);
    }
  }

  /** An idle connection until the end, then one echo; if it is cut, it is counted and reopened. */
  private void idleLoop() {
    while (!stopping) {
      attempt(Kind.IDLE, this::holdIdle);
      sleep(IDLE_POLL_MS);
    }
  }

  private void holdIdle(Socket socket) throws IOException {
    socket.setSoTimeout(IDLE_POLL_MS);
    InputStream in = socket.getInputStream();
    while (!stopping) {
      try {
        if (in.read() >= 0) {
          throw new IOException("idle: a byte nobody sent");
        }
        throw new EOFException("idle: the relay closed the connection");
      } catch (SocketTimeoutException e) {
        // Still open and quiet: as it should be.
      }
    }
    socket.setSoTimeout(READ_TIMEOUT_MS);
    echo(socket, System.nanoTime());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
