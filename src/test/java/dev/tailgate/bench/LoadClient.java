package dev.tailgate.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many SOCKS5 tunnels through one proxy to one echo target, held open at once: a few selector
 * threads, no thread per connection. The connections open at a bounded rate with a bounded number
 * in their handshake; each open tunnel then sends a small message every {@code echoEvery}, checks
 * that the same bytes come back, and times the round trip. A failed connection is counted by kind
 * and not opened again.
 */
final class LoadClient implements AutoCloseable {
  /** Why a connection failed. */
  enum Failure {
    CONNECT("TCP connect to the proxy failed"),
    HANDSHAKE("SOCKS5 handshake failed or refused"),
    HANDSHAKE_TIMEOUT("SOCKS5 handshake not done in time"),
    CLOSED("closed or reset while open"),
    WRONG_BYTES("echo differed from what was sent"),
    ECHO_TIMEOUT("echo not back in time");

    final String meaning;

    Failure(String meaning) {
      this.meaning = meaning;
    }
  }

  /**
   * What to open and how fast.
   *
   * @param rampPerSecond connections opened per second at most
   * @param maxHandshakes connections in their handshake at once at most
   * @param timeoutNanos for a handshake, and for an echo to come back
   */
  record Settings(
      InetSocketAddress proxy,
      InetSocketAddress target,
      int connections,
      int threads,
      int rampPerSecond,
      int maxHandshakes,
      long echoEveryNanos,
      long timeoutNanos) {}

  static final int MESSAGE_BYTES = 16;
  private static final long SCAN_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final Settings settings;
  private final byte[] greeting = Socks5Client.greeting();
  private final byte[] request;
  private final List<Worker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicInteger established = new AtomicInteger();
  private final Map<Failure, AtomicInteger> failures = new EnumMap<>(Failure.class);
  private final Map<Failure, String> lastFailure = new EnumMap<>(Failure.class);
  private volatile boolean recording;
  private volatile boolean stopping;
  private volatile long startNanos;

  LoadClient(Settings settings) throws IOException {
    this.settings = settings;
    this.request = Socks5Client.connectRequest(settings.target());
    for (Failure f : Failure.values()) {
      failures.put(f, new AtomicInteger());
    }
    for (int i = 0; i < settings.threads(); i++) {
      int share = settings.connections() / settings.threads();
      share += i < settings.connections() % settings.threads() ? 1 : 0;
      Worker worker = new Worker(Selector.open(), share, i);
      workers.add(worker);
      threads.add(Daemons.named("load-client").newThread(worker::loop));
    }
  }

  /** Starts opening connections. */
  void start() {
    startNanos = System.nanoTime();
    threads.forEach(Thread::start);
  }

  /** Round trips of echoes sent from now on are kept, until {@link #stopRecording()}. */
  void startRecording() {
    recording = true;
  }

  void stopRecording() {
    recording = false;
  }

  /** Tunnels whose SOCKS5 handshake succeeded. */
  int established() {
    return established.get();
  }

  int failed(Failure kind) {
    return failures.get(kind).get();
  }

  int failed() {
    return failures.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  synchronized String lastFailure(Failure kind) {
    return lastFailure.get(kind);
  }

  /** Connections not yet established and not yet failed: opening, or still to be opened. */
  int pending() {
    return settings.connections() - established() - failedBeforeEstablished();
  }

  private int failedBeforeEstablished() {
    return failed(Failure.CONNECT) + failed(Failure.HANDSHAKE) + failed(Failure.HANDSHAKE_TIMEOUT);
  }

  /** The recorded echo round trips, in nanoseconds; call after {@link #close()}. */
  long[] roundTrips() {
    long[] all = new long[0];
    for (Worker w : workers) {
      int from = all.length;
      all = Arrays.copyOf(all, from + w.samples);
      System.arraycopy(w.roundTrips, 0, all, from, w.samples);
    }
    return all;
  }

  /** Closes every connection and waits for the threads to end. */
  @Override
  public void close() throws IOException {
    stopping = true;
    for (Worker w : workers) {
      w.selector.wakeup();
    }
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while closing the load connections", e);
      }
    }
  }

  private synchronized void fail(Failure kind, String why) {
    failures.get(kind).incrementAndGet();
    lastFailure.put(kind, why);
  }

  private enum State {
    CONNECTING,
    GREETING,
    REPLY,
    OPEN,
    ECHO,
    DEAD
  }

  /** One tunnel's state; touched only by the thread of its worker. */
  private static final class Conn {
    final SocketChannel channel;
    final SelectionKey key;
    final ByteBuffer in = ByteBuffer.allocate(4 + 1 + 255 + 2);
    final byte[] sent = new byte[MESSAGE_BYTES];
    ByteBuffer out;
    State state = State.CONNECTING;
    long deadline;
    long nextEcho;
    long sentAt;
    boolean record;

    Conn(SocketChannel channel, SelectionKey key) {
      this.channel = channel;
      this.key = key;
    }
  }

  /** A selector thread and the share of the connections it opens and owns. */
  private final class Worker {
    final Selector selector;
    final int share;
    final SplittableRandom random;
    final List<Conn> conns = new ArrayList<>();
    long[] roundTrips = new long[1024];
    int samples;
    int opened;
    int handshaking;
    long lastScan;

    Worker(Selector selector, int share, int index) {
      this.selector = selector;
      this.share = share;
      this.random = new SplittableRandom(index);
    }

    void loop() {
      try {
        while (!stopping) {
          long now = System.nanoTime();
          openDue(now);
          selector.select(10);
          now = System.nanoTime();
          for (SelectionKey key : selector.selectedKeys()) {
            if (key.isValid()) {
              serve((Conn) key.attachment(), key, now);
            }
          }
          selector.selectedKeys().clear();
          if (now - lastScan >= SCAN_EVERY_NANOS) {
            lastScan = now;
            scan(now);
          }
        }
      } catch (IOException | ClosedSelectorException e) {
        fail(Failure.CLOSED, "selector: " + e);
      } finally {
        for (Conn c : conns) {
          closeQuietly(c);
        }
        try {
          selector.close();
        } catch (IOException e) {
          // Closing at the end: nothing is left to count.
        }
      }
    }

    /** Opens what the ramp allows by now, within the bound on handshakes in flight. */
    private void openDue(long now) {
      double perThread = (double) settings.rampPerSecond() / settings.threads();
      long due = Math.min(share, 1 + (long) ((now - startNanos) / 1e9 * perThread));
      int maxHandshakes = Math.max(1, settings.maxHandshakes() / settings.threads());
      while (opened < due && handshaking < maxHandshakes) {
        opened++;
        handshaking++;
        Conn c = null;
        try {
          SocketChannel channel = SocketChannel.open();
          channel.configureBlocking(false);
          channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
          SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
          c = new Conn(channel, key);
          key.attach(c);
          c.deadline = now + settings.timeoutNanos();
          conns.add(c);
          if (channel.connect(settings.proxy())) {
            connected(c);
          }
        } catch (IOException e) {
          if (c == null) {
            handshaking--;
            fail(Failure.CONNECT, e.toString());
          } else {
            die(c, Failure.CONNECT, e.toString());
          }
        }
      }
    }

    private void serve(Conn c, SelectionKey key, long now) {
      try {
        if (key.isConnectable()) {
          if (c.channel.finishConnect()) {
            connected(c);
          }
          return;
        }
        if (key.isWritable()) {
          flush(c);
          return;
        }
        if (key.isReadable()) {
          read(c, now);
        }
      } catch (IOException e) {
        die(c, c.state == State.CONNECTING ? Failure.CONNECT : failureIn(c.state), e.toString());
      }
    }

    private void connected(Conn c) throws IOException {
      c.state = State.GREETING;
      send(c, greeting);
    }

    private void read(Conn c, long now) throws IOException {
      if (c.channel.read(c.in) < 0) {
        die(c, failureIn(c.state), "EOF from the proxy in state " + c.state);
        return;
      }
      switch (c.state) {
        case GREETING -> {
          if (c.in.position() >= 2) {
            Socks5Client.checkMethod(Arrays.copyOf(c.in.array(), 2));
            expectOnly(c, 2);
            c.state = State.REPLY;
            send(c, request);
          }
        }
        case REPLY -> {
          int length = replyLength(c.in);
          if (length > 0 && c.in.position() >= length) {
            expectOnly(c, length);
            c.state = State.OPEN;
            handshaking--;
            established.incrementAndGet();
            c.deadline = 0;
            c.nextEcho = now + (long) (random.nextDouble() * settings.echoEveryNanos());
          }
        }
        case ECHO -> {
          if (c.in.position() >= MESSAGE_BYTES) {
            boolean same =
                c.in.position() == MESSAGE_BYTES
                    && Arrays.equals(c.sent, Arrays.copyOf(c.in.array(), MESSAGE_BYTES));
            if (!same) {
              die(
                  c,
                  Failure.WRONG_BYTES,
                  c.in.position() + " bytes back, not the " + MESSAGE_BYTES);
              return;
            }
            if (c.record) {
              keep(now - c.sentAt);
            }
            c.in.clear();
            c.state = State.OPEN;
            c.deadline = 0;
            c.nextEcho = c.sentAt + settings.echoEveryNanos();
          }
        }
        default -> die(c, Failure.WRONG_BYTES, "bytes nobody asked for, in state " + c.state);
      }
    }

    /** The bytes read so far must be exactly {@code length}: nothing may follow a reply early. */
    private void expectOnly(Conn c, int length) throws IOException {
      if (c.in.position() != length) {
        throw new IOException(
            "proxy sent " + (c.in.position() - length) + " bytes beyond its reply in " + c.state);
      }
      c.in.clear();
    }

    /** The length of the CONNECT reply, or 0 while too little of it is in to tell. */
    private int replyLength(ByteBuffer in) throws IOException {
      if (in.position() < 5) {
        return 0;
      }
      byte[] bytes = in.array();
      int atyp = Socks5Client.checkReply(Arrays.copyOf(bytes, 4));
      return atyp == Socks5Client.ATYP_DOMAIN_NAME
          ? 4 + 1 + (bytes[4] & 0xff) + 2
          : 4 + Socks5Client.addressLength(atyp) + 2;
    }

    /** Timeouts, and the echoes that are due. */
    private void scan(long now) {
      for (int i = 0; i < conns.size(); i++) {
        Conn c = conns.get(i);
        if (c.state == State.DEAD) {
          continue;
        }
        if (c.deadline != 0 && now - c.deadline > 0) {
          die(c, timeoutIn(c.state), "no answer in state " + c.state);
        } else if (c.state == State.OPEN && now - c.nextEcho >= 0) {
          echo(c, now);
        }
      }
      conns.removeIf(c -> c.state == State.DEAD);
    }

    private void echo(Conn c, long now) {
      random.nextBytes(c.sent);
      c.state = State.ECHO;
      c.sentAt = now;
      c.record = recording;
      c.deadline = now + settings.timeoutNanos();
      try {
        send(c, c.sent);
      } catch (IOException e) {
        die(c, Failure.CLOSED, e.toString());
      }
    }

    private void send(Conn c, byte[] bytes) throws IOException {
      c.out = ByteBuffer.wrap(bytes);
      flush(c);
    }

    private void flush(Conn c) throws IOException {
      c.channel.write(c.out);
      c.key.interestOps(c.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void keep(long nanos) {
      if (samples == roundTrips.length) {
        roundTrips = Arrays.copyOf(roundTrips, samples * 2);
      }
      roundTrips[samples++] = nanos;
    }

    private void die(Conn c, Failure kind, String why) {
      if (c.state == State.DEAD) {
        return;
      }
      if (c.state == State.CONNECTING || c.state == State.GREETING || c.state == State.REPLY) {
        handshaking--;
      }
      c.state = State.DEAD;
      fail(kind, why);
      closeQuietly(c);
    }

    private void closeQuietly(Conn c) {
      try {
        c.channel.close();
      } catch (IOException e) {
        // Already failed or done: the count is what matters.
      }
    }
  }

  private static Failure failureIn(State state) {
    return switch (state) {
      case CONNECTING -> Failure.CONNECT;
      case GREETING, REPLY -> Failure.HANDSHAKE;
      default -> Failure.CLOSED;
    };
  }

  private static Failure timeoutIn(State state) {
    return state == State.ECHO ? Failure.ECHO_TIMEOUT : Failure.HANDSHAKE_TIMEOUT;
  }
}
