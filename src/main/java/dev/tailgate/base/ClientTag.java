package dev.tailgate.base;

import java.nio.charset.StandardCharsets;

/**
 * A client's name for itself, e.g. the Ansible host and play a connection is for, carried in the
 * SOCKS5 username (RFC 1929) after a fixed marker, so that the relay's log can say which host of
 * which run opened a connection (docs/decisions/0013-client-tag-in-socks5-username.md).
 *
 * <p>The username field is {@code [USER]#tailgate-tag:TAG}: USER is the auth-file's user when the
 * relay asks for one, else empty. A user name never holds a colon (an auth-file line splits at its
 * first), so the first colon of a field that has one ends the marker and nothing is ambiguous. A
 * tag is at most {@link #MAX_BYTES} bytes of {@link #SAFE}; it is never a secret, and the relay
 * logs it but never admits or refuses by it.
 */
public final class ClientTag {
  /** What separates the user from the tag; it ends at the field's first colon. */
  public static final String MARKER = "#tailgate-tag:";

  /** RFC 1929's username field is 255 bytes; the tag leaves room for a user. */
  public static final int MAX_BYTES = 200;

  /** The characters a tag is made of: those of a URL-encoded name, and {@code @ : + = ,}. */
  public static final String SAFE =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%/@:+=,";

  private static final int FIELD_BYTES = 255;
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private ClientTag() {}

  /**
   * A username field split into the user and the tag.
   *
   * @param user what credentials are checked against: the whole field when it holds no tag
   * @param tag the tag, or {@code null} when there is none or it is not a valid one
   */
  public record Parsed(String user, String tag) {}

  /**
   * {@code text} as a tag: each byte of its UTF-8 outside {@link #SAFE} as {@code %XX}, then cut to
   * {@link #MAX_BYTES} (never inside a {@code %XX}); {@code null} for null or empty text.
   */
  public static String encode(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    StringBuilder s = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int width = SAFE.indexOf(b & 0xff) >= 0 && b > 0 ? 1 : 3;
      if (s.length() + width > MAX_BYTES) {
        break;
      }
      if (width == 1) {
        s.append((char) b);
      } else {
        s.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
      }
    }
    return s.toString();
  }

  /**
   * The username field for {@code user} (or none) and an {@link #encode encoded} {@code tag} (or
   * none): the tag is cut further when user and tag together would pass RFC 1929's 255 bytes.
   */
  public static String username(String user, String tag) {
    String u = user == null ? "" : user;
    if (tag == null) {
      return u;
    }
    int room = FIELD_BYTES - u.getBytes(StandardCharsets.UTF_8).length - MARKER.length();
    if (room <= 0) {
      return u;
    }
    String t = tag.length() > room ? tag.substring(0, room) : tag;
    int cut = t.lastIndexOf('%');
    if (cut >= 0 && cut > t.length() - 3 && t.length() < tag.length()) {
      t = t.substring(0, cut); // never half of a %XX
    }
    return u + MARKER + t;
  }

  /**
   * Splits a username field as the relay received it. A field without the marker is all user, no
   * tag; a tag longer than {@link #MAX_BYTES} or with a character outside {@link #SAFE} is dropped
   * (the user part still counts), so nothing unbounded or unprintable reaches a log line.
   */
  public static Parsed parse(String field) {
    if (field == null) {
      return new Parsed("", null);
    }
    int colon = field.indexOf(':');
    String head = colon < 0 ? "" : field.substring(0, colon + 1);
    if (!head.endsWith(MARKER)) {
      return new Parsed(field, null);
    }
    String user = head.substring(0, head.length() - MARKER.length());
    String tag = field.substring(colon + 1);
    return new Parsed(user, valid(tag) ? tag : null);
  }

  private static boolean valid(String tag) {
    if (tag.isEmpty() || tag.length() > MAX_BYTES) {
      return false;
    }
    for (int i = 0; i < tag.length(); i++) {
      if (SAFE.indexOf(tag.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }
}
