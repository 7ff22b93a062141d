package dev.tailgate.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code tailgate} in a JVM of its own, as a user would, with the environment a test sets. */
final class CliProcess {
  private static final Pattern READY = Pattern.compile("relay on 127\\.0\\.0\\.1:(\\d+) ");
  private static final Pattern ADMIN = Pattern.compile("admin on http://127\\.0\\.0\\.1:(\\d+)/");

  private final Map<String, String> env;

  CliProcess(Map<String, String> env) {
    this.env = env;
  }

  private ProcessBuilder builder(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    return pb;
  }

  /**
   * {@code up} dialling targets from this host (no tailscaled), on a free loopback port, with the
   * admin listener at {@code admin} ({@code off} or an address) and the connection log in {@code
   * log}; {@code more} adds rules and other flags.
   */
  static List<String> upDirect(String admin, Path log, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "up",
                "--no-bootstrap",
                "--upstream",
                "direct",
                "--listen",
                "127.0.0.1:0",
                "--admin",
                admin,
                "--log-file",
                log.toString()));
    args.addAll(List.of(more));
    return args;
  }

  /** Starts {@code tailgate up ...} in the foreground and waits for its ready line. */
  Running start(List<String> args) throws IOException {
    Process p = builder(args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader err =
        new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (String line; System.nanoTime() < deadline && (line = err.readLine()) != null; ) {
      seen.append(line).append('\n');
      Matcher m = READY.matcher(line);
      if (m.find()) {
        StringBuffer after = new StringBuffer();
        Thread drain =
            new Thread(
                () -> err.lines().forEach(l -> after.append(l).append('\n')), "drain-stderr");
        drain.setDaemon(true);
        drain.start();
        return new Running(p, Integer.parseInt(m.group(1)), seen.toString(), after);
      }
    }
    p.destroyForcibly();
    throw new AssertionError("tailgate up never said it was ready; stderr:\n" + seen);
  }

  /** Runs a command to its end; stdout and stderr together. */
  Result run(List<String> args) throws IOException, InterruptedException {
    Path out = Files.createTempFile("tailgate-cli", ".out");
    try {
      Process p = builder(args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + args);
      }
      return new Result(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /**
   * @param stderr what it printed up to its ready line
   * @param after what it has printed since, growing while it runs
   */
  record Running(Process process, int port, String stderr, StringBuffer after) {
    /** The admin listener's port, from its start-up line. */
    int adminPort() {
      Matcher m = ADMIN.matcher(stderr);
      if (!m.find()) {
        throw new AssertionError("no admin line in:\n" + stderr);
      }
      return Integer.parseInt(m.group(1));
    }
  }

  record Result(int exitCode, String output) {}
}
