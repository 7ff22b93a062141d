package dev.tailgate.localpeer;

import dev.tailgate.testing.OtherUid;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Loopback clients for the lookup tests: one of this process, one of uid nobody. */
final class LocalClients {
  private LocalClients() {}

  /** A client's connection as the listener accepted it. */
  interface Accepted {
    Socket accepted();

    /** The client's end as the listener sees it. */
    default InetSocketAddress from() {
      return (InetSocketAddress) accepted().getRemoteSocketAddress();
    }

    /** The listener's end. */
    default InetSocketAddress to() {
      return (InetSocketAddress) accepted().getLocalSocketAddress();
    }
  }

  /** A connected client of this process and the listener's end of it. */
  record Pair(ServerSocket server, Socket client, Socket accepted)
      implements Accepted, AutoCloseable {
    static Pair open(InetAddress address) throws IOException {
      ServerSocket server = new ServerSocket(0, 10, address);
      Socket client = new Socket(address, server.getLocalPort());
      return new Pair(server, client, server.accept());
    }

    @Override
    public void close() throws IOException {
      accepted.close();
      client.close();
      server.close();
    }
  }

  /**
   * A python3 run as uid nobody, connected to a listener on 127.0.0.1 and holding the connection
   * until closed.
   */
  record Nobody(ServerSocket server, Process process, Socket accepted)
      implements Accepted, AutoCloseable {
    static Nobody connect() throws Exception {
      ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
      server.setSoTimeout(5000);
      Process p =
          new ProcessBuilder(
                  OtherUid.command(
                      OtherUid.NOBODY,
                      "/usr/bin/python3",
                      "-c",
                      "import socket,sys\n"
                          + "s=socket.create_connection(('127.0.0.1',"
                          + server.getLocalPort()
                          + "))\nprint('up',flush=True)\nsys.stdin.read()\n"))
              .redirectErrorStream(true)
              .start();
      Nobody n = new Nobody(server, p, server.accept());
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      if (!"up".equals(out.readLine())) {
        n.close();
        throw new AssertionError("the client of uid nobody did not connect");
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      accepted.close();
      server.close();
    }
  }
}
