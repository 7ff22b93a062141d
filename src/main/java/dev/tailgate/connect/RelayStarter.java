package dev.tailgate.connect;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tailgate connect --start}: runs {@code tailgate up --detach [--config FILE]} in this JVM's
 * java and class path, and waits for it (it returns once the relay is ready, or fails). Its
 * messages go to standard error; it never touches standard input or output, which belong to ssh.
 */
final class RelayStarter {
  private RelayStarter() {}

  /** Returns the exit code of {@code up --detach}, or 1 if it could not run. */
  static int start(String config, PrintStream err) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.tailgate.cli.Main");
    command.add("up");
    command.add("--detach");
    if (config != null) {
      command.add("--config");
      command.add(config);
    }
    err.println("tailgate connect: no relay answered; starting one (tailgate up --detach)");
    err.flush();
    try {
      Process up =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      return up.waitFor();
    } catch (IOException e) {
      err.println("tailgate connect: cannot run tailgate up --detach: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }
}
