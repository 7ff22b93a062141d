package dev.tailgate.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * IPv6 forms that carry an IPv4 address, which a NAT64 translator, a tunnel or an old dual stack
 * may deliver to that IPv4 address: {@code 64:ff9b::7f00:1} can reach 127.0.0.1. {@link
 * SpecialTarget} looks through them. IPv4-mapped {@code ::ffff:a.b.c.d} is not here: {@link
 * NormalizedHost} turns it into the IPv4 address itself.
 */
enum EmbeddedIpv4 {
  /**
   * RFC 4291 2.5.5.1, deprecated: {@code ::a.b.c.d}. {@code ::/104} is IPv6's own ({@code ::},
   * {@code ::1}, {@code ::2}...), so it is not read as IPv4 in 0.0.0.0/8.
   */
  IPV4_COMPATIBLE("IPv4-compatible", "::/96", "::/104", 96),
  /** RFC 2765 (SIIT): {@code ::ffff:0:a.b.c.d}, the prefix {@code ::ffff:0:0:0/96}. */
  IPV4_TRANSLATED("IPv4-translated", "::ffff:0:0:0/96", null, 96),
  /** RFC 6052, the well-known prefix, which is only ever a /96. */
  NAT64("NAT64", "64:ff9b::/96", null, 96),
  /**
   * RFC 8215, local use: an operator's prefix inside it may be a /48, /56, /64 or /96 (RFC 6052),
   * so the IPv4 address is read at each of those places where the address is a well-formed RFC 6052
   * encoding (u octet and suffix zero).
   */
  NAT64_LOCAL_USE("NAT64 local-use", "64:ff9b:1::/48", null, 48, 56, 64, 96),
  /** RFC 3056: {@code 2002:AABB:CCDD::/48} carries AA.BB.CC.DD. */
  SIX_TO_FOUR("6to4", "2002::/16", null, 16);

  /** RFC 6052: bits 64 to 71 (the "u" octet) are never part of the IPv4 address. */
  private static final int U_OCTET = 8;

  /** How a refusal names the form, e.g. {@code NAT64}. */
  final String text;

  private final AddressRange prefix;
  private final AddressRange excluded;
  private final int[] offsets;

  EmbeddedIpv4(String text, String prefix, String excluded, int... offsets) {
    this.text = text;
    this.prefix = AddressRange.parseConstant(prefix);
    this.excluded = excluded == null ? null : AddressRange.parseConstant(excluded);
    this.offsets = offsets;
  }

  /** An IPv4 address carried in an IPv6 address, and the form that carries it. */
  record Found(EmbeddedIpv4 form, byte[] ipv4) {}

  /** Every IPv4 address that {@code address} carries; none for an IPv4 or an ordinary IPv6. */
  static List<Found> in(byte[] address) {
    List<Found> found = new ArrayList<>(4);
    if (address.length != 16) {
      return found;
    }
    for (EmbeddedIpv4 form : values()) {
      if (!form.prefix.contains(address)
          || (form.excluded != null && form.excluded.contains(address))) {
        continue;
      }
      for (int offset : form.offsets) {
        if (form.offsets.length == 1 || isRfc6052Encoding(address, offset / 8)) {
          found.add(new Found(form, read(address, offset / 8)));
        }
      }
    }
    return found;
  }

  /**
   * The range of IPv6 addresses that carry exactly the addresses of {@code ipv4Block} in this form,
   * e.g. {@code 64:ff9b::7f00:0/104} for 127.0.0.0/8; null where the form has more than one place
   * for the IPv4 address or leaves the block out.
   */
  AddressRange image(AddressRange ipv4Block) {
    if (offsets.length != 1 || ipv4Block.bits() != 32) {
      return null;
    }
    byte[] network = prefix.networkBytes();
    byte[] v4 = ipv4Block.networkBytes();
    int at = offsets[0] / 8;
    for (int i = 0; i < 4; i++) {
      network[at + i] = v4[i];
    }
    AddressRange image = AddressRange.of(network, offsets[0] + ipv4Block.prefixLength());
    return excluded != null && excluded.covers(image) ? null : image;
  }

  /**
   * True when the IPv4 address read from octet {@code from} leaves the u octet and every octet
   * after it zero, as RFC 6052 writes it. At the /96 place nothing follows, so it always counts.
   */
  private static boolean isRfc6052Encoding(byte[] address, int from) {
    if (from == 12) {
      return true;
    }
    int last = from + (from <= U_OCTET && from + 3 >= U_OCTET ? 4 : 3);
    if (address[U_OCTET] != 0) {
      return false;
    }
    for (int i = last + 1; i < address.length; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Four octets from {@code from} on, skipping the u octet. */
  private static byte[] read(byte[] address, int from) {
    byte[] v4 = new byte[4];
    int at = from;
    for (int i = 0; i < 4; i++, at++) {
      if (at == U_OCTET) {
        at++;
      }
      v4[i] = address[at];
    }
    return v4;
  }
}
