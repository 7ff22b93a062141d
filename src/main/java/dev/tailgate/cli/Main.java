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
    System.exit(TailgateCommand.commandLine(args.length > 0 ? args[0] : null).execute(args));
  }
}
