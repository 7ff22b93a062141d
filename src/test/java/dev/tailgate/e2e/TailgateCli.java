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
 * The real {@code tailgate} command line ({@link #program}) run inside the namespace, as a user
 * would run it. {@code up} brings up the gateway's tailscaled itself: the test never starts that
 * daemon.
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
    List<String> command = new ArrayList<>(program());
    command.addAll(args);
    return ns.exec(env, command);
  }

  /**
   * The launcher a user runs, {@code scripts/tailgate} with the jar and its class-data-sharing
   * archives, when the build made them (Failsafe runs this test after {@code package} and names it
   * in {@code tailgate.launcher}); otherwise, as from an IDE, this build's classes.
   */
  static List<String> program() {
    String launcher = System.getProperty("tailgate.launcher");
    if (launcher != null && Files.exists(Path.of("target/tailgate.jar"))) {
      return List.of(launcher);
    }
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC",
        "-cp",
        System.getProperty("java.class.path"),
        Main.class.getName());
  }

  /**
   * What {@code tailgate ansible} writes into ProxyCommands here: the launcher's own path (it says
   * so in {@code TAILGATE_LAUNCHER}), or {@code tailgate} from PATH.
   */
  static String generatedName() {
    List<String> program = program();
    return program.size() == 1
        ? Path.of(program.get(0)).toAbsolutePath().normalize().toString()
        : "tailgate";
  }

  /**
   * Makes the launcher's archives before anything is timed, as any first run would (about 2 s once
   * per jar): the start-up figure is that of every later {@code tailgate up}.
   */
  static void warmUp() throws IOException, InterruptedException {
    for (List<String> args : List.of(List.of("--version"), List.of("connect", "--help"))) {
      List<String> command = new ArrayList<>(program());
      command.addAll(args);
      RunningProcess.Result r = RunningProcess.run(command, new byte[0], Duration.ofSeconds(300));
      if (r.exitCode() != 0) {
        throw new IOException("tailgate " + args + " failed: " + r.output());
      }
    }
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
