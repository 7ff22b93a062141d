package dev.tailgate.bench;

import java.util.Arrays;

/** Medians and nearest-rank percentiles. */
final class Stats {
  private Stats() {}

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** The nearest-rank {@code p}-th percentile (0 < p <= 100) of {@code values}, unsorted. */
  static long percentile(long[] values, double p) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
