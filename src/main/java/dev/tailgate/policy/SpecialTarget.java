package dev.tailgate.policy;

import java.util.List;

/**
 * Targets that reach the gateway's own host or its cloud's metadata service. They are refused even
 * under a broad rule ({@code *}, {@code 0.0.0.0/0}, {@code ::/0}) unless a rule names them itself.
 */
enum SpecialTarget {
  LOOPBACK("builtin:loopback", "loopback (this host)", "127.0.0.0/8", "::1/128"),
  LINK_LOCAL("builtin:link-local", "link-local", "169.254.0.0/16", "fe80::/10"),
  UNSPECIFIED("builtin:unspecified", "unspecified (this host)", "0.0.0.0/8", "::/128"),
  LOCALHOST("builtin:localhost", "a localhost name (this host)");

  private static final String METADATA_ADDRESS = "169.254.169.254";
  private static final String LOCALHOST_NAME = "localhost";
  private static final String LOCALHOST_SUFFIX = ".localhost";

  /** The rule recorded in a refusal, e.g. {@code builtin:loopback}. */
  final String rule;

  private final String what;
  private final List<AddressRange> ranges;

  SpecialTarget(String rule, String what, String... cidrs) {
    this.rule = rule;
    this.what = what;
    this.ranges = cidrs.length == 0 ? List.of() : List.of(parse(cidrs));
  }

  private static AddressRange[] parse(String[] cidrs) {
    AddressRange[] out = new AddressRange[cidrs.length];
    for (int i = 0; i < cidrs.length; i++) {
      out[i] = AddressRange.parseConstant(cidrs[i]);
    }
    return out;
  }

  /** The special kind of {@code target}, or null for an ordinary target. */
  static SpecialTarget of(NormalizedHost target) {
    if (!target.isAddress()) {
      return isLocalhostName(target.name()) ? LOCALHOST : null;
    }
    for (SpecialTarget kind : values()) {
      for (AddressRange range : kind.ranges) {
        if (range.contains(target.bytes())) {
          return kind;
        }
      }
    }
    return null;
  }

  /** True when {@code name} is {@code localhost} or under it. */
  static boolean isLocalhostName(String name) {
    return name.equals(LOCALHOST_NAME) || name.endsWith(LOCALHOST_SUFFIX);
  }

  /** True when the whole of {@code range} lies inside one special block, so it names it. */
  static boolean isInsideSpecialBlock(AddressRange range) {
    for (SpecialTarget kind : values()) {
      for (AddressRange block : kind.ranges) {
        if (block.covers(range)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Why {@code target} was refused, e.g. {@code 127.0.0.1 is loopback (this host); ...}. */
  String reason(NormalizedHost target) {
    String detail = target.name().equals(METADATA_ADDRESS) ? "link-local (cloud metadata)" : what;
    return target.name() + " is " + detail + "; refused unless a rule names it";
  }
}
