package dev.tailgate.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The results as markdown: one table of numbers, the raw runs, and the two target ratios. */
final class Report {
  static final double THROUGHPUT_TARGET = 0.9;
  static final double LATENCY_TARGET = 1.2;

  private Report() {}

  static String render(BenchOptions options, List<Measurements> results) {
    StringBuilder out = new StringBuilder();
    line(
        out,
        "Bulk: %d MiB client -> sink per run, %d runs per proxy interleaved, median reported.",
        options.bulkMib(),
        options.bulkRuns());
    line(
        out,
        "Latency: connect + SOCKS5 CONNECT + %d-byte echo, %d samples per proxy in %d interleaved"
            + " rounds, after %d uncounted warm-up samples.",
        EchoProbe.PAYLOAD_BYTES,
        options.iterations(),
        options.rounds(),
        options.warmup());
    line(out, "");
    line(out, "| proxy | MiB/s | p50 µs | p99 µs |");
    line(out, "| --- | ---: | ---: | ---: |");
    for (Measurements m : results) {
      line(
          out,
          "| %s | %.1f | %.0f | %.0f |",
          m.proxy().name(),
          m.bulkMedian(),
          m.latencyMicros(50),
          m.latencyMicros(99));
    }
    line(out, "");
    line(out, "Bulk runs in order, MiB/s:");
    for (Measurements m : results) {
      line(
          out,
          "- %s: %s",
          m.proxy().name(),
          Arrays.stream(m.bulkRuns())
              .mapToObj(v -> String.format(Locale.ROOT, "%.1f", v))
              .collect(Collectors.joining(", ")));
    }
    line(out, "");
    line(out, "Latency samples (failed):");
    for (Measurements m : results) {
      line(
          out,
          "- %s: %d (%d failed)%s",
          m.proxy().name(),
          m.samples(),
          m.errors(),
          m.errors() == 0 ? "" : "; last: " + m.lastError());
    }
    line(out, "");
    line(out, "Half-close (client shuts its output right after its last write), sink got it all:");
    for (Measurements m : results) {
      line(
          out,
          "- %s: %s",
          m.proxy().name(),
          m.halfCloseShort() == 0
              ? String.format(
                  Locale.ROOT, "yes, %d of %d", m.halfCloseChecks(), m.halfCloseChecks())
              : String.format(
                  Locale.ROOT,
                  "NO, %d of %d transfers short, %d bytes lost",
                  m.halfCloseShort(),
                  m.halfCloseChecks(),
                  m.halfCloseLost()));
    }
    line(out, "");
    ratios(out, results);
    return out.toString();
  }

  private static void ratios(StringBuilder out, List<Measurements> results) {
    Optional<Measurements> tailgate = find(results, "tailgate");
    Optional<Measurements> dante = find(results, "dante");
    Optional<Measurements> best =
        results.stream()
            .filter(m -> m.proxy().name().equals("dante") || m.proxy().name().equals("microsocks"))
            .filter(m -> !Double.isNaN(m.bulkMedian()))
            .max((a, b) -> Double.compare(a.bulkMedian(), b.bulkMedian()));
    line(out, "| check | value | target | result |");
    line(out, "| --- | ---: | --- | --- |");
    if (tailgate.isPresent() && best.isPresent()) {
      double ratio = tailgate.get().bulkMedian() / best.get().bulkMedian();
      line(
          out,
          "| tailgate MiB/s / best of dante, microsocks (%s) | %.2f | >= %.2f | %s |",
          best.get().proxy().name(),
          ratio,
          THROUGHPUT_TARGET,
          ratio >= THROUGHPUT_TARGET ? "PASS" : "MISS");
    } else {
      line(
          out,
          "| tailgate MiB/s / best of dante, microsocks | n/a | >= %.2f | n/a |",
          THROUGHPUT_TARGET);
    }
    if (tailgate.isPresent() && dante.isPresent()) {
      double ratio = tailgate.get().latencyMicros(50) / dante.get().latencyMicros(50);
      line(
          out,
          "| tailgate p50 / dante p50 | %.2f | <= %.2f | %s |",
          ratio,
          LATENCY_TARGET,
          ratio <= LATENCY_TARGET ? "PASS" : "MISS");
    } else {
      line(out, "| tailgate p50 / dante p50 | n/a | <= %.2f | n/a |", LATENCY_TARGET);
    }
  }

  private static Optional<Measurements> find(List<Measurements> results, String name) {
    return results.stream().filter(m -> m.proxy().name().equals(name)).findFirst();
  }

  static void line(StringBuilder out, String format, Object... args) {
    out.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
