package dev.tailgate.ansible;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A generated file: its whole text for a first write, and the managed blocks that later writes
 * replace in place. Each block is the text between {@code # BEGIN tailgate managed[: NAME]} and
 * {@code # END tailgate managed[: NAME]}.
 *
 * @param path the file's path relative to the output directory, e.g. {@code ssh_config}
 * @param parts the file in order: plain text (a header, a section line) and blocks
 */
public record ManagedFile(String path, List<Part> parts) {
  public static final String BEGIN = "# BEGIN tailgate managed";
  public static final String END = "# END tailgate managed";

  public ManagedFile {
    parts = List.copyOf(parts);
  }

  /** A piece of the file: plain text when {@code block} is null, else the named block's body. */
  public record Part(String block, String text) {
    public Part {
      Objects.requireNonNull(text, "text");
      if (!text.isEmpty() && !text.endsWith("\n")) {
        throw new IllegalArgumentException("a part ends with a line break");
      }
    }

    static Part plain(String text) {
      return new Part(null, text);
    }

    static Part block(String name, String body) {
      return new Part(name, body);
    }
  }

  /** The marker lines of block {@code name} ("" for a file's only block). */
  static String begin(String name) {
    return name.isEmpty() ? BEGIN : BEGIN + ": " + name;
  }

  static String end(String name) {
    return name.isEmpty() ? END : END + ": " + name;
  }

  /** The text of a first write. */
  public String fresh() {
    StringBuilder s = new StringBuilder();
    for (Part p : parts) {
      if (p.block() == null) {
        s.append(p.text());
      } else {
        s.append(begin(p.block()))
            .append('\n')
            .append(p.text())
            .append(end(p.block()))
            .append('\n');
      }
    }
    return s.toString();
  }

  /** Block name to body, in order. */
  Map<String, String> blocks() {
    Map<String, String> b = new LinkedHashMap<>();
    for (Part p : parts) {
      if (p.block() != null) {
        b.put(p.block(), p.text());
      }
    }
    return b;
  }

  /**
   * The plain part just before block {@code name} when it is a section line (e.g. {@code
   * [defaults]}), which a block appended to a file without it needs; else "".
   */
  String sectionBefore(String name) {
    for (int i = 1; i < parts.size(); i++) {
      Part p = parts.get(i);
      if (name.equals(p.block())) {
        String prev = parts.get(i - 1).text().strip();
        int last = prev.lastIndexOf('\n');
        String line = last < 0 ? prev : prev.substring(last + 1);
        return line.startsWith("[") ? line + "\n" : "";
      }
    }
    return "";
  }
}
