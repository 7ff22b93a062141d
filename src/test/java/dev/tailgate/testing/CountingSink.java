package dev.tailgate.testing;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A target that starts reading late and then slowly (so writes queue up in front of it), and when
 * the client half-closes, answers with the number of bytes it got, as 8 bytes, then closes.
 */
public final class CountingSink implements AutoCloseable {
  private final ServerSocket server;

  public CountingSink() throws IOException {
    server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    Thread accept =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  Thread t = new Thread(() -> count(s), "sink");
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "sink-accept");
    accept.setDaemon(true);
    accept.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  private static void count(Socket s) {
    try (s;
        InputStream in = s.getInputStream()) {
      // Start late, so the client's bytes and its FIN pile up in front of the relay.
      Thread.sleep(100);
      byte[] buf = new byte[4096];
      long total = 0;
      int reads = 0;
      for (int n; (n = in.read(buf)) >= 0; ) {
        total += n;
        if (++reads % 8 == 0) {
          Thread.sleep(1);
        }
      }
      new DataOutputStream(s.getOutputStream()).writeLong(total);
      s.shutdownOutput();
    } catch (IOException | InterruptedException ignored) {
      // The client went away.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
