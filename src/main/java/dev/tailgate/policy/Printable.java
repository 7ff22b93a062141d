package dev.tailgate.policy;

/** Quotes untrusted text (rule texts, client-sent hosts) for one-line messages. */
final class Printable {
  private static final int MAX_SHOWN = 80;

  private Printable() {}

  /**
   * Returns {@code text} in single quotes, cut to a readable length, with quotes, backslashes and
   * anything outside printable ASCII escaped, so a message stays one safe line.
   */
  static String quote(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_SHOWN) + 8).append('\'');
    int shown = Math.min(text.length(), MAX_SHOWN);
    for (int i = 0; i < shown; i++) {
      char c = text.charAt(i);
      if (c == '\'' || c == '\\') {
        out.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        out.append(c);
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    if (shown < text.length()) {
      out.append("...");
    }
    return out.append('\'').toString();
  }
}
