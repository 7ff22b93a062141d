package dev.tailgate.policy;

import java.util.Arrays;

/** The PORTS part of a rule: {@code *}, {@code 22}, {@code 8000-8100}, or a comma list of them. */
final class PortSet {
  static final int MIN_PORT = 1;
  static final int MAX_PORT = 65535;
  static final int MAX_ITEMS = 64;

  static final PortSet ANY = new PortSet(new int[] {MIN_PORT}, new int[] {MAX_PORT});

  /** Sorted, non-overlapping inclusive ranges. */
  private final int[] lows;

  private final int[] highs;

  private PortSet(int[] lows, int[] highs) {
    this.lows = lows;
    this.highs = highs;
  }

  /**
   * Parses a port list.
   *
   * @throws IllegalArgumentException with a short problem description
   */
  static PortSet parse(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("port list after ':' is empty");
    }
    String[] items = text.split(",", -1);
    if (items.length > MAX_ITEMS) {
      throw new IllegalArgumentException(
          "port list has " + items.length + " items; at most " + MAX_ITEMS + " are allowed");
    }
    int[][] ranges = new int[items.length][];
    boolean any = false;
    for (int i = 0; i < items.length; i++) {
      ranges[i] = range(items[i], text);
      any |= ranges[i][0] == MIN_PORT && ranges[i][1] == MAX_PORT;
    }
    return any ? ANY : merged(ranges);
  }

  private static int[] range(String item, String list) {
    if (item.isEmpty()) {
      throw new IllegalArgumentException(
          "port list " + Printable.quote(list) + " has an empty item");
    }
    if (item.equals("*")) {
      return new int[] {MIN_PORT, MAX_PORT};
    }
    int dash = item.indexOf('-');
    if (dash < 0) {
      int port = port(item);
      return new int[] {port, port};
    }
    String lowText = item.substring(0, dash);
    String highText = item.substring(dash + 1);
    if (lowText.isEmpty() || highText.isEmpty()) {
      throw new IllegalArgumentException(
          "port range " + Printable.quote(item) + " has an empty end");
    }
    int low = port(lowText);
    int high = port(highText);
    if (low > high) {
      throw new IllegalArgumentException("port range " + item + " is reversed");
    }
    return new int[] {low, high};
  }

  private static int port(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException("port " + Printable.quote(text) + " is not a number");
      }
    }
    long value = text.length() > 9 ? Long.MAX_VALUE : Long.parseLong(text);
    if (value < MIN_PORT || value > MAX_PORT) {
      throw new IllegalArgumentException(
          "port " + text + " is out of range " + MIN_PORT + "-" + MAX_PORT);
    }
    return (int) value;
  }

  private static PortSet merged(int[][] ranges) {
    Arrays.sort(ranges, (a, b) -> Integer.compare(a[0], b[0]));
    int[] lows = new int[ranges.length];
    int[] highs = new int[ranges.length];
    int count = 0;
    for (int[] range : ranges) {
      if (count > 0 && range[0] <= highs[count - 1] + 1) {
        highs[count - 1] = Math.max(highs[count - 1], range[1]);
      } else {
        lows[count] = range[0];
        highs[count] = range[1];
        count++;
      }
    }
    return new PortSet(Arrays.copyOf(lows, count), Arrays.copyOf(highs, count));
  }

  /** True when {@code port} is in the set. */
  boolean contains(int port) {
    for (int i = 0; i < lows.length && lows[i] <= port; i++) {
      if (port <= highs[i]) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    if (lows.length == 1 && lows[0] == MIN_PORT && highs[0] == MAX_PORT) {
      return "*";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lows.length; i++) {
      out.append(i == 0 ? "" : ",").append(lows[i]);
      if (highs[i] != lows[i]) {
        out.append('-').append(highs[i]);
      }
    }
    return out.toString();
  }
}
