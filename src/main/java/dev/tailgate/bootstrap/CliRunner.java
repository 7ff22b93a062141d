package dev.tailgate.bootstrap;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.tailgate.localapi.Messages;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a secret store's CLI ({@code bw}, {@code bws}) the one safe way: argv holds no secret, the
 * environment is inherited (BW_SESSION, BWS_ACCESS_TOKEN), stdin is closed at once, stdout and
 * stderr are read with a bound, and the program (with its children) is killed at the deadline.
 */
final class CliRunner {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final int MAX_STDOUT = 64 * 1024;
  static final int MAX_STDERR = 16 * 1024;
  private static final long READER_JOIN_MILLIS = 2_000;

  private final Duration timeout;
  private final Map<String, String> extraEnv;

  /**
   * @param extraEnv applied on top of the inherited environment, an empty value removing the
   *     variable; tests use it to act as a shell that exported (or unset) BW_SESSION, production
   *     passes none
   */
  CliRunner(Duration timeout, Map<String, String> extraEnv) {
    this.timeout = timeout;
    this.extraEnv = Map.copyOf(extraEnv);
  }

  static CliRunner standard() {
    return new CliRunner(DEFAULT_TIMEOUT, Map.of());
  }

  Duration timeout() {
    return timeout;
  }

  /**
   * Finds {@code program} as a shell would: a name with a slash is taken as is, a bare name is
   * looked up in PATH. Empty when there is no executable file there.
   */
  static Optional<Path> locate(Path program) {
    if (program.getNameCount() > 1 || program.isAbsolute()) {
      return Files.isExecutable(program) && !Files.isDirectory(program)
          ? Optional.of(program)
          : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * {@link #locate} or a one-line error: "WHAT 'bw' not found on PATH: INSTALL or use another
   * --auth-key source".
   */
  static Path locateOrExplain(String what, Path program, String install) throws AuthKeyException {
    return locate(program)
        .orElseThrow(
            () ->
                new AuthKeyException(
                    what
                        + " '"
                        + program
                        + "' not found"
                        + (program.getNameCount() > 1 ? "" : " on PATH")
                        + ": "
                        + install
                        + " or use another --auth-key source"));
  }

  /** For an exit the caller does not recognise: "WHAT failed for SUBJECT (exit N): stderr". */
  static AuthKeyException unexpectedFailure(String what, String subject, Result result) {
    String detail = Messages.firstLine(result.stderr().replaceFirst("^\\s*Error:\\s*", ""));
    return new AuthKeyException(
        what
            + " failed for "
            + subject
            + " (exit "
            + result.exitCode()
            + (detail.isEmpty() ? ")" : "): " + detail));
  }

  /**
   * Runs {@code executable args...} to completion.
   *
   * @param what names the program in error messages, e.g. "Bitwarden CLI"
   */
  Result run(String what, Path executable, List<String> args) throws AuthKeyException {
    List<String> command = new ArrayList<>(args.size() + 1);
    command.add(executable.toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    extraEnv.forEach(
        (name, value) -> {
          if (value.isEmpty()) {
            builder.environment().remove(name);
          } else {
            builder.environment().put(name, value);
          }
        });
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AuthKeyException(
          what
              + " at "
              + executable
              + " could not be started ("
              + Messages.firstLine(e.getMessage())
              + ")");
    }
    BoundedReader stdout = new BoundedReader(process.getInputStream(), MAX_STDOUT, "stdout");
    BoundedReader stderr = new BoundedReader(process.getErrorStream(), MAX_STDERR, "stderr");
    stdout.start();
    stderr.start();
    try {
      process.getOutputStream().close();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        killTree(process);
        throw new AuthKeyException(
            what
                + " did not finish within "
                + Messages.duration(timeout)
                + " and was stopped: check that it can reach its server, then retry");
      }
      stdout.join(READER_JOIN_MILLIS);
      stderr.join(READER_JOIN_MILLIS);
      if (stdout.isAlive() || stderr.isAlive()) {
        throw new AuthKeyException(
            what + " exited but something it started still holds its output open");
      }
      if (stdout.overflowed()) {
        throw new AuthKeyException(
            what
                + " printed more than "
                + MAX_STDOUT / 1024
                + " KiB: refusing to read it as a key");
      }
      return new Result(process.exitValue(), stdout.bytes(), stdout.count(), stderr.text());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killTree(process);
      throw new AuthKeyException(what + " was interrupted");
    } catch (IOException e) {
      killTree(process);
      throw new AuthKeyException(what + " failed: " + Messages.firstLine(e.getMessage()));
    } finally {
      joinQuietly(stdout);
      stdout.clear();
    }
  }

  /** After a kill the pipes close and the reader ends; wait for it before zeroing its buffer. */
  private static void joinQuietly(Thread reader) {
    try {
      reader.join(READER_JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void killTree(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** What the program left: exit code, stdout (zeroed by {@link #close()}) and stderr text. */
  static final class Result implements AutoCloseable {
    private final int exitCode;
    private final byte[] stdout;
    private final String stderr;

    private Result(int exitCode, byte[] buffer, int length, String stderr) {
      this.exitCode = exitCode;
      this.stdout = Arrays.copyOf(buffer, length);
      this.stderr = stderr;
    }

    int exitCode() {
      return exitCode;
    }

    /** The bytes themselves, not a copy: do not keep them past {@link #close()}. */
    byte[] stdout() {
      return stdout;
    }

    /** Stderr without ANSI colour codes (bw prints its errors in red). */
    String stderr() {
      return stderr;
    }

    @Override
    public void close() {
      Arrays.fill(stdout, (byte) 0);
    }
  }

  /** Drains a stream on its own thread, keeping at most {@code limit} bytes. */
  private static final class BoundedReader extends Thread {
    private final InputStream in;
    private final byte[] buffer;
    private int count;
    private boolean overflowed;

    BoundedReader(InputStream in, int limit, String name) {
      super("tailgate-cli-" + name);
      this.in = in;
      this.buffer = new byte[limit];
      setDaemon(true);
    }

    @Override
    public void run() {
      byte[] discard = new byte[4096];
      try (in) {
        while (true) {
          int n =
              count < buffer.length
                  ? in.read(buffer, count, buffer.length - count)
                  : in.read(discard, 0, discard.length);
          if (n < 0) {
            break;
          }
          synchronized (this) {
            if (count < buffer.length) {
              count += n;
            } else {
              overflowed = true;
            }
          }
        }
      } catch (IOException e) {
        // The stream closed under us (process killed); what we read so far stands.
      } finally {
        Arrays.fill(discard, (byte) 0);
      }
    }

    synchronized boolean overflowed() {
      return overflowed;
    }

    synchronized int count() {
      return count;
    }

    synchronized byte[] bytes() {
      return buffer;
    }

    synchronized String text() {
      return new String(buffer, 0, count, UTF_8).replaceAll("\u001B\\[[0-9;]*m", "");
    }

    synchronized void clear() {
      Arrays.fill(buffer, (byte) 0);
    }
  }
}
