package dev.tailgate.policy;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The local clients a rule admits, by the uid that owns the client's socket: {@code from uid
 * 1000,1001} after a rule (decision record 0017), or any client when a rule names none. A client
 * whose uid is not known (not local, or not found) is admitted only by a rule that names no uid:
 * deny by default.
 */
final class ClientUids {
  static final int MAX_ITEMS = 64;

  /** A rule without {@code from uid}: every client, known or not. */
  static final ClientUids ANY = new ClientUids(new int[0]);

  /** Ascending, without repeats; empty for {@link #ANY}. */
  private final int[] uids;

  private ClientUids(int[] uids) {
    this.uids = uids;
  }

  /**
   * {@code 1000} or {@code 1000,1001} (spaces after a comma allowed), each 0 to {@value
   * Integer#MAX_VALUE}, at most {@value #MAX_ITEMS}.
   *
   * @throws IllegalArgumentException with a short problem description
   */
  static ClientUids parse(String text) {
    String[] items = text.split(",", -1);
    if (items.length > MAX_ITEMS) {
      throw new IllegalArgumentException(
          "uid list has " + items.length + " items; at most " + MAX_ITEMS + " are allowed");
    }
    int[] uids = new int[items.length];
    for (int i = 0; i < items.length; i++) {
      uids[i] = uid(items[i].strip());
    }
    return new ClientUids(Arrays.stream(uids).sorted().distinct().toArray());
  }

  private static int uid(String item) {
    if (item.isEmpty()) {
      throw new IllegalArgumentException("uid list has an empty item (as in 'from uid 1000,1001')");
    }
    if (item.length() > 10 || !item.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "uid " + Printable.quote(item) + " is not a number 0-" + Integer.MAX_VALUE);
    }
    long uid = Long.parseLong(item);
    if (uid > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "uid " + Printable.quote(item) + " is not a number 0-" + Integer.MAX_VALUE);
    }
    return (int) uid;
  }

  /** Whether a rule with these uids admits a client of {@code uid} ({@code -1}: not known). */
  boolean admit(int uid) {
    return uids.length == 0 || (uid >= 0 && Arrays.binarySearch(uids, uid) >= 0);
  }

  /** The uids named, ascending; none for {@link #ANY}. */
  IntStream uids() {
    return Arrays.stream(uids);
  }

  /** Whether the rule names uids at all. */
  boolean named() {
    return uids.length > 0;
  }

  @Override
  public String toString() {
    return named() ? "from uid " + Arrays.toString(uids) : "any client";
  }
}
