package dev.tailgate.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback echo target for thousands of connections at once: one thread accepts, a few selector
 * threads write back what they read. A connection whose peer does not take the echo stops being
 * read until it does, so no buffer grows without bound.
 */
public final class NioEchoServer implements AutoCloseable {
  private static final int BUFFER_BYTES = 4096;

  private final ServerSocketChannel server;
  private final List<Worker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean closed;

  private NioEchoServer(ServerSocketChannel server) {
    this.server = server;
  }

  /** Listens on 127.0.0.1 on a free port, with {@code threads} selector threads. */
  public static NioEchoServer start(int threads) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    NioEchoServer echo = new NioEchoServer(server);
    for (int i = 0; i < threads; i++) {
      Worker worker = echo.new Worker(Selector.open());
      echo.workers.add(worker);
      echo.threads.add(daemon("nio-echo-" + i, worker::loop));
    }
    echo.threads.add(daemon("nio-echo-accept", echo::acceptLoop));
    echo.threads.forEach(Thread::start);
    return echo;
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  public InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  public long accepted() {
    return accepted.get();
  }

  /** Connections accepted and not yet closed. */
  public long open() {
    return open.get();
  }

  /** Connections that ended with an I/O error rather than the peer's close. */
  public long errors() {
    return errors.get();
  }

  private void acceptLoop() {
    long next = 0;
    while (!closed) {
      try {
        SocketChannel channel = server.accept();
        accepted.incrementAndGet();
        open.incrementAndGet();
        workers.get((int) (next++ % workers.size())).adopt(channel);
      } catch (IOException e) {
        if (!closed) {
          errors.incrementAndGet();
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Worker worker : workers) {
      worker.selector.close();
    }
  }

  /** One selector and the connections it owns. */
  private final class Worker {
    private final Selector selector;
    private final ConcurrentLinkedQueue<SocketChannel> incoming = new ConcurrentLinkedQueue<>();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);

    Worker(Selector selector) {
      this.selector = selector;
    }

    void adopt(SocketChannel channel) {
      incoming.add(channel);
      selector.wakeup();
    }

    void loop() {
      try {
        while (!closed) {
          selector.select(100);
          for (SocketChannel c = incoming.poll(); c != null; c = incoming.poll()) {
            register(c);
          }
          for (SelectionKey key : selector.selectedKeys()) {
            serve(key);
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException | ClosedSelectorException e) {
        if (!closed) {
          errors.incrementAndGet();
        }
      }
    }

    private void register(SocketChannel channel) {
      try {
        channel.configureBlocking(false);
        channel.socket().setTcpNoDelay(true);
        channel.register(selector, SelectionKey.OP_READ);
      } catch (IOException e) {
        errors.incrementAndGet();
        drop(channel);
      }
    }

    private void serve(SelectionKey key) {
      SocketChannel channel = (SocketChannel) key.channel();
      try {
        if (key.attachment() instanceof ByteBuffer pending) {
          channel.write(pending);
          if (!pending.hasRemaining()) {
            key.attach(null);
            key.interestOps(SelectionKey.OP_READ);
          }
          return;
        }
        buffer.clear();
        if (channel.read(buffer) < 0) {
          drop(channel);
          return;
        }
        buffer.flip();
        channel.write(buffer);
        if (buffer.hasRemaining()) {
          ByteBuffer pending = ByteBuffer.allocate(buffer.remaining());
          pending.put(buffer).flip();
          key.attach(pending);
          key.interestOps(SelectionKey.OP_WRITE);
        }
      } catch (IOException e) {
        // A reset is how some proxies end a tunnel; the client counts what it failed to get.
        drop(channel);
      }
    }

    private void drop(SocketChannel channel) {
      open.decrementAndGet();
      try {
        channel.close();
      } catch (IOException e) {
        errors.incrementAndGet();
      }
    }
  }
}
