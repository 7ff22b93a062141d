package dev.tailgate.bench;

import java.util.Arrays;

/**
 * What one proxy scored: each bulk run's MiB/s, each latency sample, the failed samples, and the
 * bytes it lost on half-close.
 */
final class Measurements {
  private final Proxy proxy;
  private final double[] bulk;
  private final long[] latencyNanos;
  private int bulkRuns;
  private int samples;
  private int errors;
  private String lastError;
  private int halfCloseChecks;
  private int halfCloseShort;
  private long halfCloseLost;

  Measurements(Proxy proxy, int bulkRuns, int iterations) {
    this.proxy = proxy;
    this.bulk = new double[bulkRuns];
    this.latencyNanos = new long[iterations];
  }

  Proxy proxy() {
    return proxy;
  }

  void addBulk(double mibPerSecond) {
    bulk[bulkRuns++] = mibPerSecond;
  }

  void addLatency(long nanos) {
    latencyNanos[samples++] = nanos;
  }

  void addError(Exception e) {
    errors++;
    lastError = e.toString();
  }

  void addHalfClose(long sent, long received) {
    halfCloseChecks++;
    if (received != sent) {
      halfCloseShort++;
      halfCloseLost += sent - received;
    }
  }

  int halfCloseChecks() {
    return halfCloseChecks;
  }

  /** Half-close checks in which the sink got fewer (or more) bytes than were sent. */
  int halfCloseShort() {
    return halfCloseShort;
  }

  long halfCloseLost() {
    return halfCloseLost;
  }

  int errors() {
    return errors;
  }

  String lastError() {
    return lastError;
  }

  double[] bulkRuns() {
    return Arrays.copyOf(bulk, bulkRuns);
  }

  double bulkMedian() {
    return bulkRuns == 0 ? Double.NaN : Stats.median(bulkRuns());
  }

  int samples() {
    return samples;
  }

  /** The {@code p}-th percentile of the latency samples, in microseconds. */
  double latencyMicros(double p) {
    return samples == 0
        ? Double.NaN
        : Stats.percentile(Arrays.copyOf(latencyNanos, samples), p) / 1000.0;
  }
}
