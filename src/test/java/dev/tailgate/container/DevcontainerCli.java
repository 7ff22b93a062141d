package dev.tailgate.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.e2e.TailnetForContainers;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The Dev Containers CLI ({@code @devcontainers/cli} from npm), as scripts/install-podman.sh
 * installs it into $TAILGATE_CACHE/devcontainer-cli, driving podman.
 */
final class DevcontainerCli {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration UP = Duration.ofMinutes(20);

  private DevcontainerCli() {}

  static Path binary() {
    return TailnetForContainers.cacheDir()
        .resolve("devcontainer-cli/node_modules/.bin/devcontainer");
  }

  /** Skips the calling test, with the reason, without the CLI. */
  static void require() {
    Assumptions.assumeTrue(
        Files.isExecutable(binary()),
        () -> "SKIPPED: no Dev Containers CLI at " + binary() + ": run scripts/install-podman.sh");
  }

  /**
   * {@code devcontainer up}: builds the image (podman's layer cache keeps it), creates or starts
   * the container labelled {@code idLabel}, runs the lifecycle commands; returns the container's
   * id. {@code env} is the environment devcontainer.json's {@code ${localEnv:...}} read.
   */
  static String up(Path workspace, Path config, String idLabel, Map<String, String> env)
      throws IOException, InterruptedException {
    Map<String, String> all = new HashMap<>(env);
    // podman builds OCI images by default, which have no HEALTHCHECK.
    all.put("BUILDAH_FORMAT", "docker");
    RunningProcess.Result r =
        RunningProcess.run(
            List.of(
                binary().toString(),
                "up",
                "--docker-path",
                "podman",
                "--workspace-folder",
                workspace.toString(),
                "--override-config",
                config.toString(),
                "--id-label",
                idLabel,
                "--log-format",
                "json"),
            new byte[0],
            UP,
            all);
    String last = r.output().strip();
    last = last.substring(last.lastIndexOf('\n') + 1);
    JsonNode outcome = last.startsWith("{") ? JSON.readTree(last) : JSON.createObjectNode();
    if (r.exitCode() != 0 || !"success".equals(outcome.path("outcome").asText())) {
      throw new IOException(
          "devcontainer up exited " + r.exitCode() + ": " + Podman.tail(r.output()));
    }
    return outcome.path("containerId").asText();
  }
}
