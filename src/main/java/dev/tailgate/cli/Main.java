package dev.tailgate.cli;

import dev.tailgate.connect.Connect;
import dev.tailgate.connect.ConnectOptions;

/** Entry point of {@code tailgate}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // `connect` runs once per ssh connection: a plain command line skips picocli (and all it
    // loads) altogether. Help, errors and anything unusual still go through picocli.
    if (args.length > 0 && args[0].equals("connect")) {
      ConnectOptions quick = ConnectOptions.parse(args, 1);
      if (quick != null) {
        System.exit(Connect.run(quick, System.err));
      }
    }
    // `up`'s start is on the way to tailscaled's: a plain command line skips picocli too.
    UpCommand up = QuickUp.parse(args);
    if (up != null) {
      defaultProperties();
      System.exit(QuickUp.run(up));
    }
    defaultProperties();
    System.exit(TailgateCommand.commandLine(args.length > 0 ? args[0] : null).execute(args));
  }

  /**
   * System properties tailgate sets unless given with {@code -D}. netty's JFR events for its buffer
   * allocator: their first use sets up the JDK's flight recorder (about 300 classes and annotation
   * proxies, which class-data sharing does not archive), on {@code up}'s path from tailscaled's
   * spawn to the first LocalAPI answer; about 45 ms there (docs/performance.md, "Start-up").
   * tailgate does not use them; {@code -Dio.netty.jfr.enabled=true} brings them back.
   *
   * <p>netty's machine id, part of each channel's id: without one given, netty walks the network
   * interfaces for a MAC address when the first channel opens, and in a container with only a
   * loopback (a fresh network namespace) finds none and warns on standard error before using random
   * bytes. tailgate never compares channel ids across machines, so it gives random bytes at once.
   */
  public static void defaultProperties() {
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    if (System.getProperty("io.netty.machineId") == null) {
      byte[] id = new byte[8];
      java.util.concurrent.ThreadLocalRandom.current().nextBytes(id);
      id[0] |= 0x02; // a locally administered address, as netty's own random fallback
      StringBuilder text = new StringBuilder();
      for (byte b : id) {
        text.append(text.length() == 0 ? "" : ":").append(String.format("%02x", b & 0xff));
      }
      System.setProperty("io.netty.machineId", text.toString());
    }
  }
}
