package dev.tailgate.localpeer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What one owner lookup costs, netlink sock_diag against a read of /proc/net/tcp{,6}, with many
 * TIME_WAIT sockets on the machine (decision 0012). Not a test: run it by hand, as root or not,
 *
 * <pre>java -cp target/test-classes:target/classes:JNA_JAR dev.tailgate.localpeer.LookupCost 20000
 * </pre>
 *
 * It makes that many TIME_WAIT sockets (connect and close against two loopback sinks, so that
 * ephemeral ports are not reused), then times 1,000 netlink lookups and 80 table reads of one live
 * socket, after a warm-up, and prints p50 and p99 of each with the machine's TIME_WAIT count.
 */
final class LookupCost {
  private LookupCost() {}

  public static void main(String[] args) throws Exception {
    int timeWait = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    for (String host : new String[] {"127.0.0.3", "127.0.0.4"}) {
      timeWait(InetAddress.getByName(host), timeWait / 2);
    }
    Process ss = new ProcessBuilder("ss", "-s").redirectErrorStream(true).start();
    new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .lines()
        .filter(l -> l.startsWith("TCP:"))
        .forEach(System.out::println);
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    try (ServerSocket server = new ServerSocket(0, 10, lo);
        Socket client = new Socket(lo, server.getLocalPort());
        Socket accepted = server.accept();
        NetlinkSocket netlink = NetlinkSocket.open()) {
      System.out.println("client " + client.getLocalSocketAddress());
      InetSocketAddress from = (InetSocketAddress) accepted.getRemoteSocketAddress();
      InetSocketAddress to = (InetSocketAddress) accepted.getLocalSocketAddress();
      long[] kernel = new long[2000];
      for (int i = 0; i < kernel.length; i++) {
        long t0 = System.nanoTime();
        if (netlink.ask(from, to, true).entry() == null) {
          throw new AssertionError("netlink did not find the live socket");
        }
        kernel[i] = System.nanoTime() - t0;
      }
      report("netlink sock_diag", Arrays.copyOfRange(kernel, 1000, 2000));
      long[] table = new long[100];
      for (int i = 0; i < table.length; i++) {
        long t0 = System.nanoTime();
        if (!scan(from, to, false) && !scan(from, to, true)) {
          throw new AssertionError("the tables do not list the live socket");
        }
        table[i] = System.nanoTime() - t0;
      }
      report("/proc/net/tcp{,6} read", Arrays.copyOfRange(table, 20, 100));
    }
  }

  private static void timeWait(InetAddress sinkAddress, int n) throws Exception {
    try (ServerSocket sink = new ServerSocket(0, 4096, sinkAddress)) {
      Thread closer =
          new Thread(
              () -> {
                try {
                  while (true) {
                    sink.accept().close();
                  }
                } catch (java.io.IOException e) {
                  // the sink closed: done
                }
              });
      closer.setDaemon(true);
      closer.start();
      for (int i = 0; i < n; i++) {
        new Socket(sinkAddress, sink.getLocalPort()).close();
      }
    }
  }

  private static boolean scan(InetSocketAddress from, InetSocketAddress to, boolean v6)
      throws Exception {
    String key =
        SocketTable.key(from.getAddress(), from.getPort(), to.getAddress(), to.getPort(), v6);
    Map<String, SocketTable.Entry> found = new HashMap<>();
    found.put(key, null);
    SocketTable.scan(Path.of(v6 ? "/proc/net/tcp6" : "/proc/net/tcp"), found);
    return found.get(key) != null;
  }

  private static void report(String what, long[] nanos) {
    Arrays.sort(nanos);
    System.out.printf(
        "%s: %d lookups, p50 %.1f us, p99 %.1f us, max %.1f us%n",
        what,
        nanos.length,
        nanos[nanos.length / 2] / 1e3,
        nanos[nanos.length * 99 / 100] / 1e3,
        nanos[nanos.length - 1] / 1e3);
  }
}
