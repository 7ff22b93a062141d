package dev.tailgate.localapi;

import java.time.Duration;

/**
 * Small wording helpers for one-line error messages, shared by the LocalAPI client and the
 * bootstrap's runners of outside programs.
 */
public final class Messages {
  private Messages() {}

  /** The first non-blank line of {@code text}, at most 200 characters; "" for null. */
  public static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    String line = text.strip().lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  /** "30 s" for whole seconds, "300 ms" otherwise. */
  public static String duration(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
