package dev.tailgate.testing;

import java.util.List;

/** Debian's headless Chromium as the tests run it. */
public final class Chromium {
  /**
   * Flags every test passes: headless, and none of the background calls to Google's services that a
   * closed network refuses (machines/polyglot.md).
   */
  public static final List<String> QUIET =
      List.of(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync");

  private Chromium() {}
}
