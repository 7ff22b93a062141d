package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MainTest {
  private static final String JFR = "io.netty.jfr.enabled";
  private final String before = System.getProperty(JFR);

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(JFR);
    } else {
      System.setProperty(JFR, before);
    }
  }

  @Test
  void switchesNettysJfrEventsOffUnlessTheUserSaidOtherwise() {
    System.clearProperty(JFR);
    Main.defaultProperties();
    assertThat(System.getProperty(JFR)).isEqualTo("false");

    System.setProperty(JFR, "true");
    Main.defaultProperties();
    assertThat(System.getProperty(JFR)).isEqualTo("true");
  }
}
