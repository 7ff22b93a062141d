package dev.tailgate.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Measures bulk throughput and connect-plus-first-echo latency through each proxy named on the
 * command line, and straight to the target ("none"), with the targets in this JVM. The proxies take
 * turns in every phase, so drift on a noisy machine falls on all of them alike. Progress goes to
 * standard error, the markdown report to standard output.
 *
 * <p>scripts/bench-relay.sh ran it until issue 20; it now runs scripts/bench-relay.py, a client
 * that shares no code with tailgate and does not live in the targets' JVM. This one is kept for
 * comparison with the figures it gave (docs/performance-latest.txt), run by hand with the proxies
 * started as bench-relay.sh starts them.
 */
public final class RelayBench {
  /**
   * Half-close checks per proxy, during the warm-up: each sends this many MiB and shuts the output
   * at once. They also warm up the bulk path (the JIT of every JVM in it) and are not timed.
   */
  private static final int HALF_CLOSE_CHECKS = 5;

  private static final long HALF_CLOSE_MIB = 32;

  /** A proxy whose latency samples fail this often is broken, not slow: stop there. */
  private static final int MAX_ERRORS = 10;

  private static final PrintStream progress = System.err;

  private final BenchOptions options;
  private final List<Measurements> results = new ArrayList<>();
  private final long deadlineNanos;

  private RelayBench(BenchOptions options) {
    this.options = options;
    this.deadlineNanos = System.nanoTime() + options.maxMinutes() * 60_000_000_000L;
    for (Proxy proxy : options.proxies()) {
      results.add(new Measurements(proxy, options.bulkRuns(), options.iterations()));
    }
  }

  public static void main(String[] args) {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("RelayBench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    try {
      System.out.print(new RelayBench(options).run());
      System.exit(0);
    } catch (IOException | IllegalStateException e) {
      System.err.println("RelayBench: " + e.getMessage());
      System.exit(1);
    }
  }

  private String run() throws IOException {
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(Daemons.named("watchdog"));
    try (EchoServer echo = EchoServer.start();
        SinkServer sink = SinkServer.start()) {
      EchoProbe probe = new EchoProbe(echo.address());
      BulkTransfer bulk = new BulkTransfer(sink, watchdog);
      warmUp(probe, bulk);
      for (int run = 0; run < options.bulkRuns(); run++) {
        for (Measurements m : results) {
          checkDeadline();
          double mibPerSecond = throughput(bulk, m);
          m.addBulk(mibPerSecond);
          progress.printf(
              Locale.ROOT,
              "bulk %d/%d %-10s %8.1f MiB/s%n",
              run + 1,
              options.bulkRuns(),
              m.proxy().name(),
              mibPerSecond);
        }
      }
      for (int round = 0; round < options.rounds(); round++) {
        for (Measurements m : results) {
          int samples = options.samplesInRound(round);
          sample(probe, m, samples, true);
          progress.printf(
              Locale.ROOT,
              "latency round %d/%d %-10s %d samples, p50 so far %.0f µs%n",
              round + 1,
              options.rounds(),
              m.proxy().name(),
              samples,
              m.latencyMicros(50));
        }
      }
      progress.printf("echo server: %d connections, %d errors%n", echo.accepted(), echo.errors());
    } finally {
      watchdog.shutdownNow();
    }
    return Report.render(options, results);
  }

  private void warmUp(EchoProbe probe, BulkTransfer bulk) throws IOException {
    long bytes = Math.min(HALF_CLOSE_MIB, options.bulkMib()) * BulkTransfer.MIB;
    for (Measurements m : results) {
      sample(probe, m, options.warmup(), false);
      for (int i = 0; i < HALF_CLOSE_CHECKS; i++) {
        checkDeadline();
        m.addHalfClose(bytes, halfClose(bulk, m, bytes));
      }
      progress.printf(
          "warm-up %-10s %d echo samples, %d half-close transfers of %d MiB (%d short)%n",
          m.proxy().name(),
          options.warmup(),
          HALF_CLOSE_CHECKS,
          bytes / BulkTransfer.MIB,
          m.halfCloseShort());
    }
  }

  private double throughput(BulkTransfer bulk, Measurements m) throws IOException {
    try {
      return bulk.throughput(m.proxy(), options.bulkMib() * BulkTransfer.MIB);
    } catch (IOException e) {
      throw named(m, "bulk run", e);
    }
  }

  private static long halfClose(BulkTransfer bulk, Measurements m, long bytes) throws IOException {
    try {
      return bulk.halfClose(m.proxy(), bytes);
    } catch (IOException e) {
      throw named(m, "half-close transfer", e);
    }
  }

  /** An error that says which proxy and which step, once. */
  private static IOException named(Measurements m, String step, IOException e) {
    String name = m.proxy().name();
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return new IOException(
        message.startsWith(name + ":") ? message : name + ": " + step + ": " + message, e);
  }

  /** Takes {@code count} latency samples; {@code keep} false for the warm-up. */
  private void sample(EchoProbe probe, Measurements m, int count, boolean keep) throws IOException {
    for (int i = 0; i < count; i++) {
      if ((i & 63) == 0) {
        checkDeadline();
      }
      try {
        long nanos = probe.once(m.proxy());
        if (keep) {
          m.addLatency(nanos);
        }
      } catch (IOException e) {
        m.addError(e);
        if (m.errors() > MAX_ERRORS) {
          throw new IOException(
              m.proxy().name() + ": more than " + MAX_ERRORS + " failed samples; last: " + e, e);
        }
      }
    }
  }

  private void checkDeadline() {
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new IllegalStateException(
          "gave up after " + options.maxMinutes() + " minutes (--max-minutes)");
    }
  }
}
