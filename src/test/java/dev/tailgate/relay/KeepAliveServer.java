package dev.tailgate.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A keep-alive HTTP/1.1 target on loopback that counts the connections it accepts. It answers
 * {@code ok} to each request without a body (or after reading a {@code Content-Length} body); in
 * {@link #answersOnce()} form it answers only a connection's first request and closes on the second
 * without a word, as a server does that closes an idle connection just as the proxy reuses it.
 */
final class KeepAliveServer implements AutoCloseable {
  private final ServerSocket server;
  private final boolean once;
  final AtomicInteger accepted = new AtomicInteger();
  final AtomicInteger answered = new AtomicInteger();

  private KeepAliveServer(boolean once) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.once = once;
    Thread t = new Thread(this::accept, "keep-alive-server");
    t.setDaemon(true);
    t.start();
  }

  static KeepAliveServer start() throws IOException {
    return new KeepAliveServer(false);
  }

  static KeepAliveServer answersOnce() throws IOException {
    return new KeepAliveServer(true);
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        Thread t = new Thread(() -> serve(s), "keep-alive-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      for (int n = 0; ; n++) {
        String line = in.readLine();
        if (line == null || (once && n > 0)) {
          return;
        }
        int length = 0;
        for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
          if (h.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(h.substring(15).trim());
          }
        }
        in.skip(length);
        answered.incrementAndGet();
        out.write(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      // the relay went away
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
