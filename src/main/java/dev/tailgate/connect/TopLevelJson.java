package dev.tailgate.connect;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The top-level string and number members of one JSON object, for reading tailgate's run-state file
 * without a JSON library (connect loads none: decision record 0007). A small recursive descent over
 * the whole text: nested objects and arrays are parsed and skipped, so a name inside them, or
 * inside a string, is never taken for a top-level one. Bounded: at most {@link #MAX_CHARS}
 * characters and {@link #MAX_DEPTH} levels of nesting.
 */
final class TopLevelJson {
  static final int MAX_CHARS = 64 * 1024;
  static final int MAX_DEPTH = 16;

  private final String text;
  private int at;

  private TopLevelJson(String text) {
    this.text = text;
  }

  /**
   * The object's top-level members whose value is a string (unescaped) or a number (as written); a
   * name given twice keeps its last value, as Jackson does.
   *
   * @throws IllegalArgumentException when {@code text} is not one JSON object, or over the bounds
   */
  static Map<String, String> read(String text) {
    if (text.length() > MAX_CHARS) {
      throw new IllegalArgumentException("longer than " + MAX_CHARS + " characters");
    }
    TopLevelJson json = new TopLevelJson(text);
    Map<String, String> members = new LinkedHashMap<>();
    json.expect('{');
    if (json.peek() == '}') {
      json.at++;
    } else {
      do {
        String name = json.string();
        json.expect(':');
        char c = json.peek();
        if (c == '"') {
          members.put(name, json.string());
        } else if (c == '-' || Character.isDigit(c)) {
          members.put(name, json.number());
        } else {
          json.skip(1);
        }
      } while (json.comma('}'));
    }
    if (json.peek() != 0) {
      throw json.error("text after the object");
    }
    return members;
  }

  /** The next character after white space, or 0 at the end. */
  private char peek() {
    while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
    return at < text.length() ? text.charAt(at) : 0;
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("'" + c + "' expected");
    }
    at++;
  }

  /** After a member or element: true on a comma, false on {@code end}. */
  private boolean comma(char end) {
    char c = peek();
    at++;
    if (c == ',' || c == end) {
      return c == ',';
    }
    throw error("',' or '" + end + "' expected");
  }

  private String string() {
    expect('"');
    StringBuilder s = new StringBuilder();
    while (at < text.length()) {
      char c = text.charAt(at++);
      if (c == '"') {
        return s.toString();
      }
      if (c < 0x20) {
        throw error("a control character in a string");
      }
      if (c != '\\') {
        s.append(c);
        continue;
      }
      char e = at < text.length() ? text.charAt(at++) : 0;
      switch (e) {
        case '"', '\\', '/' -> s.append(e);
        case 'b' -> s.append('\b');
        case 'f' -> s.append('\f');
        case 'n' -> s.append('\n');
        case 'r' -> s.append('\r');
        case 't' -> s.append('\t');
        case 'u' -> {
          if (at + 4 > text.length()) {
            throw error("a short \\u escape");
          }
          try {
            s.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          } catch (NumberFormatException bad) {
            throw error("a bad \\u escape");
          }
          at += 4;
        }
        default -> throw error("a bad escape");
      }
    }
    throw error("an unterminated string");
  }

  private String number() {
    int start = at;
    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
    String n = text.substring(start, at);
    if (!n.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
      throw error("a bad number");
    }
    return n;
  }

  /** Skips one value of any kind, {@code depth} levels down. */
  private void skip(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
    char c = peek();
    switch (c) {
      case '"' -> string();
      case '{' -> {
        at++;
        if (peek() == '}') {
          at++;
          return;
        }
        do {
          string();
          expect(':');
          skip(depth + 1);
        } while (comma('}'));
      }
      case '[' -> {
        at++;
        if (peek() == ']') {
          at++;
          return;
        }
        do {
          skip(depth + 1);
        } while (comma(']'));
      }
      case 't' -> word("true");
      case 'f' -> word("false");
      case 'n' -> word("null");
      default -> number();
    }
  }

  private void word(String w) {
    if (!text.startsWith(w, at)) {
      throw error("'" + w + "' expected");
    }
    at += w.length();
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("not a JSON object: " + what + " at " + at);
  }
}
