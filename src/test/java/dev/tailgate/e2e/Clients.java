package dev.tailgate.e2e;

import dev.tailgate.testing.Chromium;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Real clients run inside the namespace: curl, Chromium, ssh. */
final class Clients {
  /**
   * Flags that keep headless Chromium from reaching for Google's services (machines/polyglot.md).
   */
  static final List<String> CHROMIUM_QUIET =
      Stream.concat(
              Chromium.QUIET.stream(),
              Stream.of(
                  "--disable-default-apps",
                  "--disable-extensions",
                  "--metrics-recording-only",
                  "--no-default-browser-check"))
          .toList();

  private final NetNamespace ns;

  Clients(NetNamespace ns) {
    this.ns = ns;
  }

  /** A finished client run and when it ran. */
  record Timed(long startNanos, long endNanos, RunningProcess.Result result) {
    boolean ok() {
      return result.exitCode() == 0;
    }
  }

  RunningProcess.Result run(List<String> command, Duration timeout)
      throws IOException, InterruptedException {
    return RunningProcess.run(ns.exec(command), new byte[0], timeout);
  }

  Timed timed(List<String> command, Duration timeout) throws IOException, InterruptedException {
    long start = System.nanoTime();
    RunningProcess.Result r = run(command, timeout);
    return new Timed(start, System.nanoTime(), r);
  }

  /** curl through a SOCKS5 proxy, the name resolved by the proxy (socks5h). */
  static List<String> curlSocks5h(int proxyPort, String url, String... more) {
    List<String> c =
        new ArrayList<>(
            List.of(
                "curl", "-sS", "--max-time", "60", "--proxy", "socks5h://127.0.0.1:" + proxyPort));
    c.addAll(List.of(more));
    c.add(url);
    return c;
  }

  /** curl tunnelling through an HTTP proxy with CONNECT (-p). */
  static List<String> curlConnect(int proxyPort, String url) {
    return List.of(
        "curl", "-sS", "--max-time", "60", "-p", "-x", "http://127.0.0.1:" + proxyPort, url);
  }

  /** Headless Chromium printing the DOM of {@code url}, loaded through a SOCKS5 proxy. */
  static List<String> chromium(int proxyPort, String url, Path userDataDir) {
    List<String> c = new ArrayList<>(List.of("chromium"));
    c.addAll(CHROMIUM_QUIET);
    c.add("--user-data-dir=" + userDataDir);
    c.add("--proxy-server=socks5://127.0.0.1:" + proxyPort);
    c.add("--dump-dom");
    c.add(url);
    return c;
  }
}
