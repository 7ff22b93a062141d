package dev.tailgate.bench;

import static dev.tailgate.bench.Report.line;

import java.util.List;
import java.util.Optional;

/** The load benchmark's results as markdown: connections, failures, echo latency and memory. */
final class LoadReport {
  /** Tailgate's resident memory with all connections open must stay below this. */
  static final double RSS_TARGET_MIB = 300;

  private LoadReport() {}

  static String render(LoadOptions options, List<LoadBench.Result> results) {
    StringBuilder out = new StringBuilder();
    line(
        out,
        "Load: %d SOCKS5 tunnels per proxy to an NIO echo server, opened at %d/s at most (%d in"
            + " their handshake at most), then all held open %d s while each echoes %d bytes every"
            + " %d s. The proxies take turns, in the order below.",
        options.connections(),
        options.rampPerSecond(),
        options.maxHandshakes(),
        options.holdSeconds(),
        LoadClient.MESSAGE_BYTES,
        options.echoEverySeconds());
    line(out, "");
    line(out, "| proxy | established | failed | ramp s | echoes | p50 µs | p99 µs | max µs |");
    line(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (LoadBench.Result r : results) {
      long[] rtt = r.roundTrips();
      line(
          out,
          "| %s | %d of %d | %d | %.1f | %d | %s | %s | %s |",
          r.proxy(),
          r.established(),
          options.connections(),
          r.failed(),
          r.rampSeconds(),
          rtt.length,
          micros(rtt, 50),
          micros(rtt, 99),
          micros(rtt, 100));
    }
    line(out, "");
    line(
        out,
        "Memory in MiB, summed over the proxy's processes (Dante forks). RSS counts shared pages"
            + " once per process; Pss shares them out. Peak: the highest of the samples taken"
            + " every %d s while all were open; HWM: the sum of each process's own high-water"
            + " mark while all were open; HWM after: the same after all closed, which includes the"
            + " close-down. After: %d s after the last connection closed.",
        LoadBench.SAMPLE_EVERY_SECONDS,
        options.settleSeconds());
    line(out, "");
    line(
        out,
        "| proxy | RSS idle | RSS peak | HWM peak | RSS after | HWM after | Pss idle | Pss peak"
            + " | Pss after | processes idle / peak / after |");
    line(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (LoadBench.Result r : results) {
      line(
          out,
          "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d / %d / %d |",
          r.proxy(),
          ProcMemory.mib(r.idle().rssKib()),
          ProcMemory.mib(r.peak().rssKib()),
          ProcMemory.mib(r.peak().hwmKib()),
          ProcMemory.mib(r.after().rssKib()),
          ProcMemory.mib(r.after().hwmKib()),
          ProcMemory.mib(r.idle().pssKib()),
          ProcMemory.mib(r.peak().pssKib()),
          ProcMemory.mib(r.after().pssKib()),
          r.idle().processes(),
          r.peak().processes(),
          r.after().processes());
    }
    line(out, "");
    line(out, "Failures by kind:");
    for (LoadBench.Result r : results) {
      StringBuilder kinds = new StringBuilder();
      for (LoadClient.Failure f : LoadClient.Failure.values()) {
        int n = r.failures().get(f);
        if (n > 0) {
          kinds.append(String.format("%n  - %s (%s): %d; last: %s", f, f.meaning, n, last(r, f)));
        }
      }
      line(out, "- %s: %s", r.proxy(), kinds.length() == 0 ? "none" : kinds.toString());
    }
    line(out, "");
    targets(out, options, results);
    return out.toString();
  }

  private static void targets(StringBuilder out, LoadOptions options, List<LoadBench.Result> rs) {
    Optional<LoadBench.Result> tailgate =
        rs.stream().filter(r -> r.proxy().equals("tailgate")).findFirst();
    line(out, "| check | value | target | result |");
    line(out, "| --- | ---: | --- | --- |");
    if (tailgate.isEmpty()) {
      line(out, "| tailgate | not measured | | n/a |");
      return;
    }
    LoadBench.Result t = tailgate.get();
    boolean all = t.established() == options.connections() && t.failed() == 0;
    line(
        out,
        "| tailgate tunnels established and failed | %d of %d, %d failed | all, 0 failed | %s |",
        t.established(),
        options.connections(),
        t.failed(),
        all ? "PASS" : "MISS");
    double peak = ProcMemory.mib(Math.max(t.peak().rssKib(), t.after().hwmKib()));
    line(
        out,
        "| tailgate highest RSS (VmHWM at the end of its turn), MiB | %.1f | < %.0f | %s |",
        peak,
        RSS_TARGET_MIB,
        peak < RSS_TARGET_MIB ? "PASS" : "MISS");
  }

  private static String last(LoadBench.Result r, LoadClient.Failure f) {
    String why = r.lastFailures().get(f);
    return why == null ? "?" : why;
  }

  private static String micros(long[] nanos, double p) {
    return nanos.length == 0 ? "n/a" : Long.toString(Stats.percentile(nanos, p) / 1000);
  }
}
