package dev.tailgate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A target for real-socket tests: echoes every byte, and shuts its output when the client does. */
public final class EchoServer implements AutoCloseable {
  private final ServerSocket server;

  public EchoServer() throws IOException {
    server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "echo-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> echo(s), "echo");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void echo(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
      s.shutdownOutput();
    } catch (IOException ignored) {
      // The client went away; nothing to echo.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
