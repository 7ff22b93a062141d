package dev.tailgate.policy;

import dev.tailgate.base.IpLiteral;

/** An IPv4 or IPv6 prefix such as {@code 100.64.0.0/10}; matching compares bytes, no objects. */
final class AddressRange {
  private final byte[] network;
  private final int prefixLength;

  private AddressRange(byte[] network, int prefixLength) {
    this.network = network;
    this.prefixLength = prefixLength;
  }

  /**
   * A range from its first address and prefix length.
   *
   * @throws IllegalArgumentException if the length is out of range or host bits are set
   */
  static AddressRange of(byte[] network, int prefixLength) {
    int bits = network.length * 8;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException(
          "prefix length " + prefixLength + " is out of range 0-" + bits);
    }
    AddressRange range = new AddressRange(network.clone(), prefixLength);
    if (!isFirstAddress(network, prefixLength)) {
      throw new IllegalArgumentException(
          "address has bits set beyond the /"
              + prefixLength
              + " prefix; did you mean "
              + range.firstAddressText()
              + "/"
              + prefixLength
              + "?");
    }
    return range;
  }

  /** A range from text the caller knows is right, for built-in constants. */
  static AddressRange parseConstant(String cidr) {
    int slash = cidr.indexOf('/');
    NormalizedHost host = NormalizedHost.of(cidr.substring(0, slash));
    return of(host.bytes(), Integer.parseInt(cidr.substring(slash + 1)));
  }

  /** True when {@code address} (4 or 16 bytes) lies in this range; false across families. */
  boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    int whole = prefixLength / 8;
    for (int i = 0; i < whole; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (address[whole] & mask) == (network[whole] & mask);
  }

  /** The first address, a copy. */
  byte[] networkBytes() {
    return network.clone();
  }

  int prefixLength() {
    return prefixLength;
  }

  /** 32 for IPv4, 128 for IPv6. */
  int bits() {
    return network.length * 8;
  }

  /** True when every address of {@code other} lies in this range. */
  boolean covers(AddressRange other) {
    return other.prefixLength >= prefixLength && contains(other.network);
  }

  private static boolean isFirstAddress(byte[] address, int prefixLength) {
    for (int bit = prefixLength; bit < address.length * 8; bit++) {
      if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        return false;
      }
    }
    return true;
  }

  private String firstAddressText() {
    byte[] first = network.clone();
    for (int bit = prefixLength; bit < first.length * 8; bit++) {
      first[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return IpLiteral.format(first);
  }

  @Override
  public String toString() {
    String text = IpLiteral.format(network);
    return text + "/" + prefixLength;
  }
}
