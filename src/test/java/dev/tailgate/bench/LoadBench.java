package dev.tailgate.bench;

import dev.tailgate.testing.NioEchoServer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Holds thousands of SOCKS5 tunnels open at once through each proxy in turn, to an echo target in
 * this JVM, and measures what that costs: connections established, failures by kind, the echo round
 * trip while all are open, and the proxy's memory at idle, at peak and after all are closed.
 * Progress goes to standard error, the markdown report to standard output.
 *
 * <p>Run by scripts/bench-load.sh, which starts the proxies; see docs/performance.md.
 */
public final class LoadBench {
  private static final int CLIENT_THREADS = 2;
  private static final int ECHO_THREADS = 2;
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** How often memory is read while all connections are open. */
  static final int SAMPLE_EVERY_SECONDS = 5;

  private static final PrintStream progress = System.err;

  /** What one proxy scored. */
  record Result(
      String proxy,
      int established,
      Map<LoadClient.Failure, Integer> failures,
      Map<LoadClient.Failure, String> lastFailures,
      long[] roundTrips,
      double rampSeconds,
      ProcMemory idle,
      ProcMemory peak,
      ProcMemory after) {

    int failed() {
      return failures.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private final LoadOptions options;
  private final long deadlineNanos;

  private LoadBench(LoadOptions options) {
    this.options = options;
    this.deadlineNanos = System.nanoTime() + TimeUnit.MINUTES.toNanos(options.maxMinutes());
  }

  public static void main(String[] args) {
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("LoadBench: " + e.getMessage());
      System.err.print(LoadOptions.USAGE);
      System.exit(2);
      return;
    }
    try {
      System.out.print(new LoadBench(options).run());
      System.exit(0);
    } catch (IOException | IllegalStateException e) {
      System.err.println("LoadBench: " + e.getMessage());
      System.exit(1);
    } catch (InterruptedException e) {
      System.err.println("LoadBench: interrupted");
      System.exit(1);
    }
  }

  private String run() throws IOException, InterruptedException {
    List<Result> results = new ArrayList<>();
    try (NioEchoServer echo = NioEchoServer.start(ECHO_THREADS)) {
      for (Proxy proxy : options.proxies()) {
        results.add(measure(proxy, options.pids().get(proxy.name()), echo));
      }
      progress.printf("echo server: %d connections, %d errors%n", echo.accepted(), echo.errors());
    }
    return LoadReport.render(options, results);
  }

  private Result measure(Proxy proxy, long pid, NioEchoServer echo)
      throws IOException, InterruptedException {
    String name = proxy.name();
    ProcMemory idle = ProcMemory.of(pid);
    LoadClient.Settings settings =
        new LoadClient.Settings(
            proxy.address(),
            echo.address(),
            options.connections(),
            CLIENT_THREADS,
            options.rampPerSecond(),
            options.maxHandshakes(),
            TimeUnit.SECONDS.toNanos(options.echoEverySeconds()),
            TIMEOUT_NANOS);
    double rampSeconds;
    ProcMemory peak;
    LoadClient client = new LoadClient(settings);
    try {
      long start = System.nanoTime();
      client.start();
      for (int tick = 0; client.pending() > 0; tick++) {
        checkDeadline();
        Thread.sleep(100);
        if (tick % 20 == 19) {
          progress.printf(
              "%s: ramp, %d established, %d failed%n", name, client.established(), client.failed());
        }
      }
      rampSeconds = (System.nanoTime() - start) / 1e9;
      progress.printf(
          Locale.ROOT,
          "%s: %d established, %d failed in %.1f s; holding for %d s%n",
          name,
          client.established(),
          client.failed(),
          rampSeconds,
          options.holdSeconds());
      client.startRecording();
      peak = ProcMemory.of(pid);
      for (int second = 1; second <= options.holdSeconds(); second++) {
        checkDeadline();
        Thread.sleep(1000);
        if (second % SAMPLE_EVERY_SECONDS == 0 || second == options.holdSeconds()) {
          peak = higher(peak, ProcMemory.of(pid));
          progress.printf(
              Locale.ROOT,
              "%s: hold %d/%d s, %d failed, RSS %.1f MiB (%d processes)%n",
              name,
              second,
              options.holdSeconds(),
              client.failed(),
              ProcMemory.mib(peak.rssKib()),
              peak.processes());
        }
      }
      client.stopRecording();
    } finally {
      client.close();
    }
    Map<LoadClient.Failure, Integer> failures = new EnumMap<>(LoadClient.Failure.class);
    Map<LoadClient.Failure, String> last = new EnumMap<>(LoadClient.Failure.class);
    for (LoadClient.Failure f : LoadClient.Failure.values()) {
      failures.put(f, client.failed(f));
      if (client.lastFailure(f) != null) {
        last.put(f, client.lastFailure(f));
      }
    }
    for (int i = 0; i < 300 && echo.open() > 0; i++) {
      Thread.sleep(100);
    }
    progress.printf(
        "%s: closed; %d still open at the echo server; settling %d s%n",
        name, echo.open(), options.settleSeconds());
    Thread.sleep(TimeUnit.SECONDS.toMillis(options.settleSeconds()));
    ProcMemory after = ProcMemory.of(pid);
    return new Result(
        name,
        client.established(),
        failures,
        last,
        client.roundTrips(),
        rampSeconds,
        idle,
        peak,
        after);
  }

  /** The sample with the larger RSS, its HWM replaced by the larger of the two. */
  private static ProcMemory higher(ProcMemory a, ProcMemory b) {
    ProcMemory top = b.rssKib() > a.rssKib() ? b : a;
    return new ProcMemory(
        top.rssKib(),
        Math.max(a.hwmKib(), b.hwmKib()),
        Math.max(a.pssKib(), b.pssKib()),
        top.processes());
  }

  private void checkDeadline() {
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new IllegalStateException(
          "gave up after " + options.maxMinutes() + " minutes (--max-minutes)");
    }
  }
}
