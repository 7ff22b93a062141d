package dev.tailgate.training;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;

/** The training's upstream SOCKS5 server, in tailscaled's place: it echoes every tunnel. */
final class PretendUpstream {
  private PretendUpstream() {}

  /**
   * Serves {@code server} one connection at a time: any CONNECT is accepted and echoed, whatever
   * the target (the training's tunnels come one after another), until the socket is closed.
   */
  static void echoAll(ServerSocket server) {
    while (true) {
      try (Socket c = server.accept()) {
        c.setSoTimeout(5_000);
        InputStream in = c.getInputStream();
        OutputStream out = c.getOutputStream();
        in.readNBytes(in.readNBytes(2)[1]); // version, methods
        out.write(new byte[] {5, 0});
        byte[] head = in.readNBytes(4);
        int address = head[3] == 1 ? 4 : head[3] == 4 ? 16 : in.read();
        in.readNBytes(address + 2);
        out.write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 0});
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
          c.getOutputStream().write(buf, 0, n);
        }
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
      }
    }
  }
}
