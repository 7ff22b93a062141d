package dev.tailgate.policy;

import dev.tailgate.base.IpLiteral;
import java.util.List;

/**
 * Targets that reach the gateway's own host or its cloud's metadata service. They are refused even
 * under a broad rule ({@code *}, {@code 0.0.0.0/0}, {@code ::/0}) unless a rule names them itself.
 * An IPv6 address that carries a special IPv4 address ({@link EmbeddedIpv4}: NAT64, 6to4,
 * IPv4-compatible, IPv4-translated) is as special as the IPv4 address.
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
    SpecialTarget kind = ofAddress(target.bytes());
    if (kind != null) {
      return kind;
    }
    // NAT64 local-use may carry 0.0.0.0 at one place and 127.0.0.1 at another: tell the latter.
    SpecialTarget unspecified = null;
    for (EmbeddedIpv4.Found found : EmbeddedIpv4.in(target.bytes())) {
      kind = ofAddress(found.ipv4());
      if (kind == UNSPECIFIED) {
        unspecified = kind;
      } else if (kind != null) {
        return kind;
      }
    }
    return unspecified;
  }

  private static SpecialTarget ofAddress(byte[] address) {
    for (SpecialTarget kind : values()) {
      for (AddressRange range : kind.ranges) {
        if (range.contains(address)) {
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

  /**
   * True when the whole of {@code range} lies inside one special block, or inside the image of an
   * IPv4 special block in one {@link EmbeddedIpv4} form ({@code 64:ff9b::7f00:0/104}), so it names
   * it.
   */
  static boolean isInsideSpecialBlock(AddressRange range) {
    for (SpecialTarget kind : values()) {
      for (AddressRange block : kind.ranges) {
        if (block.covers(range)) {
          return true;
        }
        for (EmbeddedIpv4 form : EmbeddedIpv4.values()) {
          AddressRange image = form.image(block);
          if (image != null && image.covers(range)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * Why {@code target} was refused, e.g. {@code 127.0.0.1 is loopback (this host); ...} or {@code
   * 64:ff9b::a9fe:a9fe is the NAT64 form of 169.254.169.254, link-local (cloud metadata); ...}.
   */
  String reason(NormalizedHost target) {
    if (target.isAddress() && ofAddress(target.bytes()) != this) {
      for (EmbeddedIpv4.Found found : EmbeddedIpv4.in(target.bytes())) {
        if (ofAddress(found.ipv4()) == this) {
          String ipv4 = IpLiteral.format(found.ipv4());
          return target.name()
              + " is the "
              + found.form().text
              + " form of "
              + ipv4
              + ", "
              + detail(ipv4)
              + "; refused unless a rule names it";
        }
      }
    }
    return target.name() + " is " + detail(target.name()) + "; refused unless a rule names it";
  }

  private String detail(String name) {
    return name.equals(METADATA_ADDRESS) ? "link-local (cloud metadata)" : what;
  }
}
