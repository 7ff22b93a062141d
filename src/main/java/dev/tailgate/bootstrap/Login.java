package dev.tailgate.bootstrap;

import dev.tailgate.keys.AuthKeyException;
import dev.tailgate.keys.AuthKeySource;
import dev.tailgate.keys.Secret;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * {@code tailscale up} with a key fetched only now: the key goes to a 0600 file in a 0700 directory
 * of its own, is named to the CLI as {@code file:PATH}, and both are removed at once. The key is
 * never in argv, in the environment of a child, in a log line or in a message.
 */
final class Login {
  /**
   * What a failed login of an ephemeral node adds to its one line: with {@code --state=mem:} every
   * restart of tailscaled is a new node that logs in again with the same key, which a single-use
   * key cannot do twice.
   */
  static final String EPHEMERAL_KEY_HINT =
      " (an ephemeral node logs in again with the key on every restart of tailscaled: if it is"
          + " single-use, the first login spent it; give a reusable key or an OAuth client"
          + " secret)";

  /** The CLI's output is read up to this much, for the error line. */
  private static final int MAX_OUTPUT = 8192;

  private final BootstrapSettings settings;
  private final Consumer<String> progress;

  Login(BootstrapSettings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /**
   * Runs {@code tailscale up} with the key from {@code source}, until it exits or, sooner, until
   * {@code running} completes (tailscaled said Running: the CLI, which only waits to print that,
   * then exits by itself, and its output and directory go when it does).
   */
  void run(AuthKeySource source, CompletableFuture<?> running)
      throws BootstrapException, InterruptedException {
    progress.accept("logging in with the key from " + source.describe());
    Path dir = null;
    Path keyFile = null;
    Path output = null;
    Process p = null;
    try (Secret key = source.fetch()) {
      dir =
          Files.createTempDirectory(
              "tailgate-login-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      keyFile = key.writeToPrivateFile(dir);
      output = Files.createTempFile(dir, "up", ".out");
      p =
          new ProcessBuilder(settings.command().up(keyFile))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(output.toFile())
              .redirectErrorStream(true)
              .start();
      await(p, running, output);
    } catch (AuthKeyException e) {
      throw new BootstrapException(e.getMessage(), e);
    } catch (IOException e) {
      throw new BootstrapException("cannot run tailscale up: " + e.getMessage(), e);
    } finally {
      // The key file goes at once: the CLI read it when it started, and it has exited, failed,
      // or tailscaled is Running with the key it passed on.
      remove(keyFile);
      Path out = output;
      Path d = dir;
      if (p != null && p.isAlive()) {
        p.onExit().whenComplete((exited, error) -> removeQuietly(out, d));
      } else {
        removeQuietly(out, d);
      }
    }
  }

  private void await(Process p, CompletableFuture<?> running, Path output)
      throws IOException, InterruptedException, BootstrapException {
    try {
      CompletableFuture.anyOf(p.onExit(), running)
          .get(BootstrapSettings.LOGIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      p.destroyForcibly();
      throw new BootstrapException(
          "tailscale up did not finish within "
              + BootstrapSettings.LOGIN_TIMEOUT.toSeconds()
              + " s: is the control server reachable?");
    } catch (ExecutionException e) {
      // Neither future fails; the checks below say what happened.
    }
    if (!p.isAlive() && p.exitValue() != 0 && !running.isDone()) {
      throw new BootstrapException(
          "tailscale up failed: "
              + lastLine(output)
              + (settings.command().ephemeral() ? EPHEMERAL_KEY_HINT : ""));
    }
  }

  private void remove(Path keyFile) {
    if (keyFile == null) {
      return;
    }
    try {
      Secret.deletePrivateFile(keyFile);
    } catch (IOException e) {
      progress.accept(
          "could not remove the key file "
              + keyFile
              + ": "
              + e.getMessage()
              + ": remove it by hand");
    }
  }

  /** The CLI's output and the login's directory, once the key file is gone. */
  private static void removeQuietly(Path output, Path dir) {
    try {
      if (output != null) {
        Files.deleteIfExists(output);
      }
      if (dir != null) {
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      // Nothing secret is left in them.
    }
  }

  /**
   * Starts {@code tailscale up} without a key and passes the login URL it prints to {@code
   * progress}. The returned process waits for the login; the caller ends it once Running.
   */
  Process interactive() throws BootstrapException {
    try {
      Process p =
          new ProcessBuilder(settings.command().upInteractive())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .start();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = out.readLine()) != null; ) {
                    String url = line.strip();
                    if (url.startsWith("https://") || url.startsWith("http://")) {
                      progress.accept(
                          "open " + url + " to log this node in (no --auth-key is set)");
                    }
                  }
                } catch (IOException ignored) {
                  // The process ended; nothing more to read.
                }
              },
              "tailscale-up-output");
      reader.setDaemon(true);
      reader.start();
      return p;
    } catch (IOException e) {
      throw new BootstrapException(
          "cannot run " + settings.command().tailscale() + ": " + e.getMessage(), e);
    }
  }

  private static String lastLine(Path output) throws IOException {
    byte[] bytes = Files.readAllBytes(output);
    String text =
        new String(
            bytes,
            Math.max(0, bytes.length - MAX_OUTPUT),
            Math.min(bytes.length, MAX_OUTPUT),
            StandardCharsets.UTF_8);
    return text.lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .reduce((a, b) -> b)
        .orElse("(no output)");
  }
}
