package dev.tailgate.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The training run behind the class-data-sharing archive: {@code scripts/tailgate} runs this main
 * once with {@code -XX:ArchiveClassesAtExit}, so the archive holds every class {@code tailgate
 * connect} loads on its way (a tunnel that carries bytes and one the allowlist refuses). It talks
 * to a pretend relay inside this JVM, on a loopback port; standard input should be /dev/null.
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    // The entry point that dispatches to connect: named, not referenced, since cli depends on us.
    Class.forName("dev.tailgate.cli.Main");
    try (ServerSocket server = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
      Thread relay = new Thread(new PretendRelay(server), "pretend-relay");
      relay.setDaemon(true);
      relay.start();
      String proxy = "127.0.0.1:".concat(Integer.toString(server.getLocalPort()));
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
      // As the generated group_vars run it: with a tag (the pretend relay picks no-auth).
      Connect.run(
          new ConnectOptions(
              "web-1.tail1234.ts.net", "22", proxy, false, null, null, "web-1@Ansible%20Ad-Hoc"),
          quiet);
      Connect.run(new ConnectOptions("100.64.0.9", "22", proxy, false, null), quiet);
      Connect.run(new ConnectOptions("db", "22", "127.0.0.1:1", false, null), quiet);
      relay.join(5_000);
    }
  }

  /** Answers two SOCKS5 CONNECTs: the first succeeds and sends a line, the second is refused. */
  private static final class PretendRelay implements Runnable {
    private final ServerSocket server;

    PretendRelay(ServerSocket server) {
      this.server = server;
    }

    @Override
    public void run() {
      for (int reply : new int[] {0, 2}) {
        try (Socket s = server.accept()) {
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream();
          in.readNBytes(in.readNBytes(2)[1]); // VER NMETHODS, then the methods
          out.write(new byte[] {5, 0});
          byte[] head = in.readNBytes(4);
          int length = head[3] == 3 ? in.read() : head[3] == 1 ? 4 : 16;
          in.readNBytes(length + 2);
          out.write(new byte[] {5, (byte) reply, 0, 1, 0, 0, 0, 0, 0, 0});
          if (reply == 0) {
            out.write("SSH-2.0-training\r\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            in.readAllBytes();
          }
        } catch (IOException e) {
          return;
        }
      }
    }
  }
}
