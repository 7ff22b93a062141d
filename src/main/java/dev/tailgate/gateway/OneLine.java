package dev.tailgate.gateway;

/** A failure as the one line that tailgate prints: its message, line breaks folded. */
public final class OneLine {
  private OneLine() {}

  /** The message of {@code e}, or its class's name when it has none, on one line. */
  public static String of(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("[\\r\\n]+", " ");
  }
}
