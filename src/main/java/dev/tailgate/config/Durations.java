package dev.tailgate.config;

import java.time.Duration;

/** Parses durations written as {@code 0}, {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}. */
public final class Durations {
  private static final Duration MAX = Duration.ofDays(7);

  private Durations() {}

  public static Duration parse(String value, String what) throws ConfigException {
    String v = value == null ? "" : value.strip().toLowerCase(java.util.Locale.ROOT);
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    int unitStart = 0;
    while (unitStart < v.length() && Character.isDigit(v.charAt(unitStart))) {
      unitStart++;
    }
    if (unitStart == 0 || unitStart > 9) {
      throw new ConfigException(what + ": expected a duration like 30s, 5m or 2h, got '" + v + "'");
    }
    long n = Long.parseLong(v.substring(0, unitStart));
    Duration d =
        switch (v.substring(unitStart)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default ->
              throw new ConfigException(what + ": unknown unit in '" + v + "' (use ms, s, m or h)");
        };
    if (d.compareTo(MAX) > 0) {
      throw new ConfigException(what + ": " + v + " is longer than 7 days");
    }
    return d;
  }

  /** Formats a duration the way {@link #parse} reads it. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
