package dev.tailgate.localpeer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LookupCostProbe {
  @Test
  void measure() throws Exception {
    int tw = Integer.getInteger("tw", 20000);
    InetAddress lo = InetAddress.getByName("127.0.0.3");
    long made = System.nanoTime();
    try (ServerSocket sink = new ServerSocket(0, 4096, lo)) {
      Thread t =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Socket a = sink.accept();
                    a.close();
                  }
                } catch (Exception e) {
                }
              });
      t.setDaemon(true);
      t.start();
      for (int i = 0; i < tw; i++) {
        try (Socket s = new Socket(lo, sink.getLocalPort())) {
          s.setSoLinger(false, 0);
        }
      }
    }
    System.out.println("PROBE made in ms " + (System.nanoTime() - made) / 1000000);
    System.out.println(
        new String(new ProcessBuilder("ss", "-s").start().getInputStream().readAllBytes())
            .lines()
            .filter(l -> l.startsWith("TCP:"))
            .findFirst()
            .orElse(""));
    InetAddress a = InetAddress.getByName("127.0.0.1");
    try (ServerSocket server = new ServerSocket(0, 10, a);
        Socket client = new Socket(a, server.getLocalPort());
        Socket accepted = server.accept();
        NetlinkSocket nl = NetlinkSocket.open()) {
      if (!client.isConnected()) throw new AssertionError();
      InetSocketAddress from = (InetSocketAddress) accepted.getRemoteSocketAddress();
      InetSocketAddress to = (InetSocketAddress) accepted.getLocalSocketAddress();
      long[] n = new long[2000];
      for (int i = 0; i < n.length; i++) {
        long t0 = System.nanoTime();
        if (nl.ask(from, to).entry() == null) throw new AssertionError();
        n[i] = System.nanoTime() - t0;
      }
      report("netlink sock_diag", Arrays.copyOfRange(n, 1000, 2000));
      long[] p = new long[100];
      for (int i = 0; i < p.length; i++) {
        long t0 = System.nanoTime();
        Map<String, SocketTable.Entry> f = new HashMap<>();
        String k4 =
            SocketTable.key(
                from.getAddress(), from.getPort(), to.getAddress(), to.getPort(), false);
        String k6 =
            SocketTable.key(from.getAddress(), from.getPort(), to.getAddress(), to.getPort(), true);
        f.put(k4, null);
        SocketTable.scan(Path.of("/proc/net/tcp"), f);
        if (f.get(k4) == null) {
          f.put(k6, null);
          SocketTable.scan(Path.of("/proc/net/tcp6"), f);
        }
        p[i] = System.nanoTime() - t0;
      }
      report("/proc/net/tcp{,6} scan", Arrays.copyOfRange(p, 20, 100));
    }
  }

  static void report(String what, long[] n) {
    Arrays.sort(n);
    System.out.printf(
        "PROBE %s: n %d p50 %.1f us p99 %.1f us max %.1f us%n",
        what, n.length, n[n.length / 2] / 1e3, n[n.length * 99 / 100] / 1e3, n[n.length - 1] / 1e3);
  }
}
