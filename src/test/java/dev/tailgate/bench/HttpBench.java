package dev.tailgate.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Plain HTTP forwarding through each proxy named on the command line and straight to the target
 * ("direct"), with the target in this JVM: keep-alive small GETs on one connection (requests/s,
 * p50, p99) and one large GET (MB/s). The proxies take turns in rounds, so drift on a shared
 * machine falls on all of them alike. Progress goes to standard error, the markdown report to
 * standard output.
 *
 * <p>usage: HttpBench --requests N --rounds N --big-mib N --proxy NAME=HOST:PORT ...
 *
 * <p>Run by scripts/bench-http.sh, which starts the proxies; see docs/performance.md.
 */
public final class HttpBench {
  private static final byte[] SMALL = new byte[1024];
  private static final int BLOCK = 64 << 10;

  private final Map<String, String> proxies = new LinkedHashMap<>();
  private int requests = 20_000;
  private int rounds = 5;
  private long bigMib = 1024;
  private int port;

  public static void main(String[] args) throws Exception {
    HttpBench bench = new HttpBench();
    bench.proxies.put("direct", null);
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--requests" -> bench.requests = Integer.parseInt(args[i + 1]);
        case "--rounds" -> bench.rounds = Integer.parseInt(args[i + 1]);
        case "--big-mib" -> bench.bigMib = Long.parseLong(args[i + 1]);
        case "--proxy" -> {
          String[] kv = args[i + 1].split("=", 2);
          bench.proxies.put(kv[0], kv[1]);
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.out.print(bench.run());
    System.exit(0);
  }

  private String run() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
      port = server.getLocalPort();
      Thread acceptor = new Thread(() -> serve(server), "http-bench-target");
      acceptor.setDaemon(true);
      acceptor.start();
      Map<String, List<Long>> latencies = new LinkedHashMap<>();
      Map<String, Double> seconds = new LinkedHashMap<>();
      Map<String, Double> mbps = new LinkedHashMap<>();
      proxies.keySet().forEach(n -> latencies.put(n, new ArrayList<>()));
      proxies.keySet().forEach(n -> seconds.put(n, 0.0));
      for (String name : proxies.keySet()) { // warm-up, untimed
        try {
          smallGets(proxies.get(name), Math.min(2_000, requests / 10), new ArrayList<>());
        } catch (IOException e) {
          throw new IOException(name + ": " + e.getMessage(), e);
        }
      }
      for (int round = 0; round < rounds; round++) {
        for (String name : proxies.keySet()) {
          long start = System.nanoTime();
          smallGets(proxies.get(name), requests / rounds, latencies.get(name));
          seconds.merge(name, (System.nanoTime() - start) / 1e9, Double::sum);
          System.err.printf("round %d %s done%n", round + 1, name);
        }
      }
      for (String name : proxies.keySet()) {
        long start = System.nanoTime();
        long bytes = bigGet(proxies.get(name));
        double s = (System.nanoTime() - start) / 1e9;
        if (bytes != bigMib << 20) {
          throw new IllegalStateException(name + ": large GET got " + bytes + " bytes");
        }
        mbps.put(name, bytes / 1e6 / s);
        System.err.printf("large GET %s: %.0f MB/s%n", name, mbps.get(name));
      }
      return report(latencies, seconds, mbps);
    }
  }

  private String report(
      Map<String, List<Long>> latencies, Map<String, Double> seconds, Map<String, Double> mbps) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "Keep-alive GETs of %d bytes: %d per proxy on one connection per round, %d rounds,"
                + " interleaved; one GET of %d MiB each.%n%n",
            SMALL.length,
            requests / rounds * rounds,
            rounds,
            bigMib));
    out.append("| way | requests/s | p50 ms | p99 ms | large GET MB/s |\n");
    out.append("|---|---:|---:|---:|---:|\n");
    for (String name : proxies.keySet()) {
      long[] l = latencies.get(name).stream().mapToLong(Long::longValue).toArray();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %.0f | %.3f | %.3f | %.0f |%n",
              name,
              l.length / seconds.get(name),
              Stats.percentile(l, 50) / 1e6,
              Stats.percentile(l, 99) / 1e6,
              mbps.get(name)));
    }
    return out.toString();
  }

  /**
   * {@code n} GETs on one keep-alive connection, each one's time added to {@code latencies}. A
   * proxy that closes after a response (tinyproxy does, whatever the client asks) is connected to
   * again within the next request's time, as a client does with a stale keep-alive connection.
   */
  private void smallGets(String proxy, int n, List<Long> latencies) throws IOException {
    byte[] request = request(proxy, "/small");
    Socket s = null;
    InputStream in = null;
    try {
      for (int i = 0; i < n; i++) {
        long start = System.nanoTime();
        long got = -1;
        for (int attempt = 0; attempt < 2 && got < 0; attempt++) {
          if (s == null || attempt > 0) {
            if (s != null) {
              s.close();
            }
            s = connect(proxy);
            in = new BufferedInputStream(s.getInputStream(), BLOCK);
          }
          s.getOutputStream().write(request);
          s.getOutputStream().flush();
          got = readResponse(in);
        }
        latencies.add(System.nanoTime() - start);
        if (got != SMALL.length) {
          throw new IllegalStateException("a small GET got " + got + " bytes");
        }
      }
    } finally {
      if (s != null) {
        s.close();
      }
    }
  }

  private long bigGet(String proxy) throws IOException {
    try (Socket s = connect(proxy)) {
      s.getOutputStream().write(request(proxy, "/big"));
      s.getOutputStream().flush();
      return readResponse(new BufferedInputStream(s.getInputStream(), BLOCK));
    }
  }

  private Socket connect(String proxy) throws IOException {
    Socket s;
    if (proxy == null) {
      s = new Socket(InetAddress.getLoopbackAddress(), port);
    } else {
      int colon = proxy.lastIndexOf(':');
      s = new Socket(proxy.substring(0, colon), Integer.parseInt(proxy.substring(colon + 1)));
    }
    s.setTcpNoDelay(true);
    s.setSoTimeout(60_000);
    return s;
  }

  private byte[] request(String proxy, String path) {
    String target = proxy == null ? path : "http://127.0.0.1:" + port + path;
    return ("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Reads one response with a Content-Length body; returns the body's length, or -1 when the
   * connection was closed before the response began.
   */
  private static long readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      int n = head.length();
      if (n >= 4 && head.charAt(n - 1) == '\n' && head.indexOf("\r\n\r\n", n - 4) >= 0) {
        break;
      }
    }
    if (head.isEmpty()) {
      return -1;
    }
    if (!head.toString().startsWith("HTTP/1.1 200")) {
      throw new IOException("unexpected response: " + head.toString().lines().findFirst());
    }
    long length = -1;
    for (String line : head.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
        length = Long.parseLong(line.substring(15).trim());
      }
    }
    byte[] buf = new byte[BLOCK];
    long left = length;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        break;
      }
      left -= n;
    }
    return length - left;
  }

  private void serve(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        s.setTcpNoDelay(true);
        Thread t = new Thread(() -> connection(s), "http-bench-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Keep-alive: answers each request head (GETs have no body) until the client closes. */
  private void connection(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      StringBuilder line = new StringBuilder();
      String requestLine = null;
      int b;
      while ((b = in.read()) >= 0) {
        if (b != '\n') {
          line.append((char) b);
          continue;
        }
        String l = line.toString().strip();
        line.setLength(0);
        if (requestLine == null) {
          requestLine = l;
        } else if (l.isEmpty()) {
          answer(out, requestLine.contains(" /big") || requestLine.contains("/big "));
          requestLine = null;
        }
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  private void answer(OutputStream out, boolean big) throws IOException {
    long length = big ? bigMib << 20 : SMALL.length;
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    if (big) {
      byte[] block = new byte[BLOCK];
      for (long left = length; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
    } else {
      out.write(SMALL);
    }
    out.flush();
  }
}
