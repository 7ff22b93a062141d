package dev.tailgate.ansible;

import java.util.ArrayList;
import java.util.List;

/**
 * ssh {@code Host} patterns for the tailnet: names under the MagicDNS suffix and Tailscale's
 * address ranges. ssh patterns know only {@code *} and {@code ?}, so 100.64.0.0/10 is spelled out
 * exactly (100.64.* to 100.127.*, with {@code ?} where a decade is whole), never as the broader
 * 100.*, which holds public addresses.
 */
final class TailnetPatterns {
  private TailnetPatterns() {}

  /** The patterns for a tailnet whose MagicDNS suffix is {@code suffix} (e.g. tail1234.ts.net). */
  static List<String> of(String suffix) {
    List<String> p = new ArrayList<>();
    p.add("*." + suffix);
    for (int second = 64; second <= 69; second++) {
      p.add("100." + second + ".*");
    }
    for (int decade = 7; decade <= 12; decade++) {
      if (decade < 12) {
        p.add("100." + decade + "?.*"); // 100.70-79 .. 100.110-119
      } else {
        for (int second = 120; second <= 127; second++) {
          p.add("100." + second + ".*");
        }
      }
    }
    p.add("fd7a:115c:a1e0:*");
    return p;
  }
}
