package dev.tailgate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A program started for a test, its output in a file, stopped (TERM, then KILL) on close. */
public final class RunningProcess implements AutoCloseable {
  private final Process process;
  private final Path output;

  private RunningProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  public static RunningProcess start(List<String> command, Path output) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    return new RunningProcess(p, output);
  }

  /** Starts {@code command} and waits until it listens on {@code port}. */
  public static RunningProcess listening(List<String> command, Path output, int port)
      throws IOException {
    RunningProcess p = start(command, output);
    try {
      ExternalTool.awaitListening(port, Duration.ofSeconds(10), p.process);
    } catch (IOException e) {
      p.close();
      throw new IOException(e.getMessage() + "; output: " + p.output(), e);
    }
    return p;
  }

  public Process process() {
    return process;
  }

  public String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs a short command to completion with {@code stdin} as its input; returns code and output.
   */
  public static Result run(List<String> command, byte[] stdin, Duration timeout)
      throws IOException, InterruptedException {
    return run(command, stdin, timeout, java.util.Map.of());
  }

  /** Runs a short command with extra environment variables; returns code and output. */
  public static Result run(
      List<String> command, byte[] stdin, Duration timeout, java.util.Map<String, String> env)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("tailgate-test-", ".out");
    Path in = Files.createTempFile("tailgate-test-", ".in");
    try {
      Files.write(in, stdin);
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(in.toFile());
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IOException("timed out after " + timeout + ": " + command);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(in);
    }
  }

  /**
   * Kills every process whose command line names {@code dir}: the last line of a test's teardown,
   * so a detached tailgate or a test double it started cannot outlive the test, whatever went
   * wrong.
   */
  public static void killAllUnder(Path dir) {
    String marker = dir.toAbsolutePath().toString();
    ProcessHandle.allProcesses()
        .filter(h -> h.pid() != ProcessHandle.current().pid())
        .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
  }

  /** A finished command. */
  public record Result(int exitCode, String output) {}
}
