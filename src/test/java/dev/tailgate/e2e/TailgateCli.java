package dev.tailgate.e2e;

import dev.tailgate.cli.Main;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code tailgate} command line (its main class in a JVM of its own, on the test's class
 * path) run inside the namespace, as a user would run it. {@code up} brings up the gateway's
 * tailscaled itself: the test never starts that daemon.
 */
final class TailgateCli {
  private static final Pattern READY = Pattern.compile("relay on 127\\.0\\.0\\.1:(\\d+) ");

  private final NetNamespace ns;
  private final Map<String, String> env;

  /**
   * @param env added to tailgate's environment, which tailscaled inherits
   */
  TailgateCli(NetNamespace ns, Map<String, String> env) {
    this.ns = ns;
    this.env = env;
  }

  private List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(args);
    return ns.exec(env, command);
  }

  /** Starts {@code tailgate up ARGS}, its stdout and stderr in {@code log}. */
  RunningProcess start(List<String> args, Path log) throws IOException {
    List<String> all = new ArrayList<>(List.of("up"));
    all.addAll(args);
    return RunningProcess.start(command(all), log);
  }

  /** Waits for the ready line in {@code log}; returns the relay's port. */
  static int awaitReady(RunningProcess up, Path log, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      Matcher m = READY.matcher(text);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!up.process().isAlive()) {
        throw new IOException("tailgate up exited with " + up.process().exitValue() + ":\n" + text);
      }
      Thread.sleep(20);
    }
    throw new IOException("tailgate up not ready within " + timeout + ":\n" + up.output());
  }

  /** Runs {@code tailgate ARGS} to its end. */
  RunningProcess.Result run(List<String> args) throws IOException, InterruptedException {
    return RunningProcess.run(command(args), new byte[0], Duration.ofSeconds(60));
  }
}
