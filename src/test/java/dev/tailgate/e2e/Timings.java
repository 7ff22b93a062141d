package dev.tailgate.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Measured durations and figures of one e2e run, written to timings.txt beside the logs. */
final class Timings {
  private final Map<String, String> entries = new LinkedHashMap<>();
  private final Path file;

  Timings(Path file) {
    this.file = file;
  }

  synchronized void phase(String name, Duration d) {
    put(name, String.format("%.2f s", d.toNanos() / 1e9));
  }

  synchronized void put(String name, String value) {
    entries.put(name, value);
    System.out.println("e2e: " + name + ": " + value);
    try {
      StringBuilder text = new StringBuilder();
      entries.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
      Files.writeString(file, text);
    } catch (IOException e) {
      System.err.println("e2e: could not write " + file + ": " + e);
    }
  }

  static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  static String ms(Duration d) {
    return d.toMillis() + " ms";
  }
}
