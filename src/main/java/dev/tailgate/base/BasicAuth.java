package dev.tailgate.base;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.BiPredicate;

/**
 * HTTP Basic (RFC 7617), the one reading of the relay's {@code Proxy-Authorization} and the admin
 * server's {@code Authorization}: scheme {@code Basic} in any case, base64 of {@code user:password}
 * in UTF-8, split at the first colon, the user not empty.
 */
public final class BasicAuth {
  /**
   * Longer than any header for a user and a password of 255 bytes each (the RFC 1929 limit the
   * credentials file keeps): refused without decoding.
   */
  static final int MAX_HEADER = 1024;

  private static final String SCHEME = "Basic ";

  private BasicAuth() {}

  /**
   * Whether {@code header} carries a user and password that {@code users} accepts. A missing,
   * oversized or malformed header (another scheme, bad base64, no colon) is refused before {@code
   * users} is asked; {@code users} compares in constant time (relay's {@code Credentials} does).
   */
  public static boolean accepts(String header, BiPredicate<String, String> users) {
    if (header == null
        || header.length() > MAX_HEADER
        || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(header.substring(SCHEME.length()).trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    String pair = new String(decoded, StandardCharsets.UTF_8);
    Arrays.fill(decoded, (byte) 0);
    int colon = pair.indexOf(':');
    return colon > 0 && users.test(pair.substring(0, colon), pair.substring(colon + 1));
  }
}
