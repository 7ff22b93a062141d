package dev.tailgate.config;

/**
 * A value with where it came from, so an error can point at it.
 *
 * @param value the text as written
 * @param source a file name, or the flag that gave it
 * @param line the 1-based line in {@code source}, or 0 when it has none
 */
public record Located(String value, String source, int line) {

  /** {@code file:line} or the flag name. */
  public String where() {
    return line > 0 ? source + ":" + line : source;
  }

  Located in(String file) {
    return new Located(value, file, line);
  }
}
