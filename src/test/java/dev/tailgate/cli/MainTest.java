package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MainTest {
  private static final String JFR = "io.netty.jfr.enabled";
  private static final String MACHINE_ID = "io.netty.machineId";
  private final String before = System.getProperty(JFR);
  private final String machineId = System.getProperty(MACHINE_ID);

  @AfterEach
  void restore() {
    restore(JFR, before);
    restore(MACHINE_ID, machineId);
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  @Test
  void givesNettyARandomMachineIdUnlessTheUserGaveOne() {
    System.clearProperty(MACHINE_ID);
    Main.defaultProperties();
    String first = System.getProperty(MACHINE_ID);
    // The form netty's MacAddressUtil.parseMAC accepts for an EUI-64 id.
    assertThat(first).matches("([0-9a-f]{2}:){7}[0-9a-f]{2}");

    System.setProperty(MACHINE_ID, "02:00:00:00:00:00:00:01");
    Main.defaultProperties();
    assertThat(System.getProperty(MACHINE_ID)).isEqualTo("02:00:00:00:00:00:00:01");
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
