package dev.tailgate.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback echo target: writes back whatever it reads until the peer closes. One thread per
 * connection, so a proxy that is slow to close the previous tunnel never delays the next accept.
 */
final class EchoServer implements AutoCloseable {
  /** A connection silent this long is dropped, so that no handler thread lives forever. */
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  private final ServerSocket server;
  private final ExecutorService handlers = Executors.newCachedThreadPool(Daemons.named("echo"));
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  private EchoServer(ServerSocket server) {
    this.server = server;
  }

  /** Listens on 127.0.0.1 on a free port. */
  static EchoServer start() throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    EchoServer echo = new EchoServer(server);
    Daemons.named("echo-accept").newThread(echo::acceptLoop).start();
    return echo;
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** Connections that ended in an error other than the peer's close. */
  long errors() {
    return errors.get();
  }

  long accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        accepted.incrementAndGet();
        handlers.execute(() -> echo(socket));
      } catch (IOException e) {
        if (!server.isClosed()) {
          errors.incrementAndGet();
        }
      }
    }
  }

  private void echo(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buf = new byte[4096];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      errors.incrementAndGet();
    } catch (IOException e) {
      // A reset on close is how some proxies end a tunnel; the client saw its echo or failed.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    handlers.shutdownNow();
  }
}
