package dev.tailgate.cli;

/** Entry point of {@code tailgate}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(TailgateCommand.commandLine().execute(args));
  }
}
