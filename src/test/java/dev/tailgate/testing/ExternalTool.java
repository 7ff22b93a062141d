package dev.tailgate.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * A real program a test runs (curl, nc, microsocks, danted...). The README's test command installs
 * them all and sets {@code -Dtailgate.requireTools=true}, so there a missing program fails the
 * test; a bare {@code mvn test} skips it with a visible reason instead.
 */
public final class ExternalTool {
  private static final List<String> SEARCH =
      List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

  private ExternalTool() {}

  /** The program's path, or a failed/aborted test naming what is missing and how to get it. */
  public static Path require(String name, String debianPackage) {
    Optional<Path> found = find(name);
    if (found.isPresent()) {
      return found.get();
    }
    String why =
        name
            + " is not installed (Debian package "
            + debianPackage
            + "; scripts/test.sh installs it)";
    if (Boolean.getBoolean("tailgate.requireTools")) {
      fail(why);
    }
    Assumptions.abort(why);
    throw new AssertionError("unreachable");
  }

  public static Optional<Path> find(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : (path + ":" + String.join(":", SEARCH)).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Waits until something accepts on {@code 127.0.0.1:port}. */
  public static void awaitListening(int port, Duration timeout, Process process)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "process exited with " + process.exitValue() + " before listening on " + port);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    }
    throw new IOException("nothing listened on port " + port + " within " + timeout);
  }
}
