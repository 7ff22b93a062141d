package dev.tailgate.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tailgate.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * tailscaled, tailscale and headscale as scripts/e2e/install.sh builds them, in {@code
 * $TAILGATE_CACHE/bin} (default {@code ~/.cache/tailgate/bin}).
 *
 * <p>Without Go the e2e is skipped, visibly, whatever {@code tailgate.requireTools} says: the
 * install script cannot build them there. With Go but without the binaries, or where network
 * namespaces cannot be made (not root), it fails under {@code -Dtailgate.requireTools=true} (the
 * README's test command) and is skipped otherwise.
 */
record Binaries(Path tailscaled, Path tailscale, Path headscale) {

  static Path cacheDir() {
    String env = System.getenv("TAILGATE_CACHE");
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "tailgate");
  }

  static Binaries require() {
    Path bin = cacheDir().resolve("bin");
    Binaries b =
        new Binaries(bin.resolve("tailscaled"), bin.resolve("tailscale"), bin.resolve("headscale"));
    boolean present =
        Files.isExecutable(b.tailscaled)
            && Files.isExecutable(b.tailscale)
            && Files.isExecutable(b.headscale);
    if (!present) {
      if (ExternalTool.find("go").isEmpty()) {
        Assumptions.abort(
            "SKIPPED: Go is not installed, so the e2e test on a real tailnet cannot build"
                + " tailscaled and headscale (scripts/e2e/install.sh)");
      }
      missing(
          "tailscaled, tailscale and headscale are not in " + bin + ": run scripts/e2e/install.sh");
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      missing("the e2e test makes a network namespace (ip netns add), which needs root");
    }
    ExternalTool.require("ip", "iproute2");
    ExternalTool.require("curl", "curl");
    ExternalTool.require("nc", "netcat-openbsd");
    ExternalTool.require("ssh", "openssh-client");
    ExternalTool.require("chromium", "chromium");
    ExternalTool.require("python3", "python3");
    return b;
  }

  private static void missing(String why) {
    if (Boolean.getBoolean("tailgate.requireTools")) {
      fail(why);
    }
    Assumptions.abort(why);
  }
}
