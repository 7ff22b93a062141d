package dev.tailgate.container;

import dev.tailgate.e2e.TailnetForContainers;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * podman as scripts/install-podman.sh sets it up (runc, cgroupfs, ulimits, the local base image),
 * and the images of .devcontainer/Dockerfile built from this checkout: tailscale from the e2e's
 * Go-built binaries, tailgate from target/tailgate.jar (so these are failsafe tests, after {@code
 * package}). Builds are podman's layer cache's: only changed layers are built again.
 *
 * <p>Where podman cannot run a container, or the jar or tailscale binaries are missing, every test
 * that needs it is skipped with the reason ({@code SKIPPED: ...}); scripts/container-test.sh fails
 * on such a skip.
 */
final class Podman {
  static final String BASE_IMAGE = "localhost/debian:bookworm-slim";
  private static final Duration SHORT = Duration.ofMinutes(2);
  private static final Duration BUILD = Duration.ofMinutes(20);
  private static final String IMAGE_LABEL = "dev.tailgate.test-image=true";
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Map<String, String> BUILT = new HashMap<>();
  private static String unusable;
  private static RunningProcess service;
  private static Path serviceLog;

  private Podman() {}

  /** Skips the calling test, with the reason, unless podman can run the base image here. */
  static synchronized void require() {
    if (unusable == null) {
      unusable = probe();
    }
    Assumptions.assumeTrue(unusable.isEmpty(), () -> "SKIPPED: " + unusable);
  }

  private static String probe() {
    try {
      if (run("version").exitCode() != 0) {
        return "podman does not answer: run scripts/install-podman.sh";
      }
      if (run("image", "exists", BASE_IMAGE).exitCode() != 0) {
        return "podman has no " + BASE_IMAGE + ": run scripts/install-podman.sh";
      }
      RunningProcess.Result r = run("run", "--rm", "--network=none", BASE_IMAGE, "true");
      if (r.exitCode() != 0) {
        return "podman cannot run a container here: podman run --rm "
            + BASE_IMAGE
            + " true: "
            + r.output().strip();
      }
      return "";
    } catch (IOException e) {
      return "podman is not installed (" + e.getMessage() + "): run scripts/install-podman.sh";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * The image of the Dockerfile's {@code target} stage, built (or found in the layer cache) once
   * per JVM; returns its name.
   */
  static synchronized String image(String target) throws IOException, InterruptedException {
    require();
    String built = BUILT.get(target);
    if (built != null) {
      return built;
    }
    prepareContext();
    String name = "localhost/tailgate-" + target + ":test";
    RunningProcess.Result r =
        RunningProcess.run(
            List.of(
                "podman",
                "build",
                "--network=host",
                "--format=docker",
                "--build-arg=TAILSCALE_FROM=context",
                "--build-arg=TAILGATE_FROM=jar",
                "--target=" + target,
                "--tag=" + name,
                "--label=" + IMAGE_LABEL,
                "--file=.devcontainer/Dockerfile",
                "."),
            new byte[0],
            BUILD);
    if (r.exitCode() != 0) {
      throw new IOException("podman build --target " + target + ": " + tail(r.output()));
    }
    // The image this replaced (another jar) is left untagged: remove it, not to fill the disk
    // over many runs.
    run("image", "prune", "--force", "--filter=label=" + IMAGE_LABEL);
    BUILT.put(target, name);
    return name;
  }

  /**
   * Puts what the Dockerfile takes from the build context with TAILSCALE_FROM=context and
   * TAILGATE_FROM=jar in place: target/tailgate.jar (from {@code package}) and the e2e's tailscaled
   * and tailscale in target/container/tailscale/.
   */
  static void prepareContext() throws IOException {
    Path jar = ROOT.resolve("target/tailgate.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar),
        "SKIPPED: no " + jar + " (the container tests run after package)");
    Path dir = Files.createDirectories(ROOT.resolve("target/container/tailscale"));
    for (Path bin : List.of(TailnetForContainers.tailscaled(), TailnetForContainers.tailscale())) {
      Assumptions.assumeTrue(
          Files.isExecutable(bin), "SKIPPED: no " + bin + ": run scripts/e2e/install.sh");
      Path copy = dir.resolve(bin.getFileName());
      if (!Files.exists(copy) || Files.mismatch(bin, copy) != -1) {
        Files.copy(
            bin, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  /**
   * Starts {@code podman system service} on a socket of this JVM's (once) and points Testcontainers
   * at it ({@link PodmanClientProviderStrategy}), unless DOCKER_HOST already names an engine.
   * Testcontainers' reaper (Ryuk) is an image from Docker Hub, which is not reachable:
   * src/test/resources/testcontainers.properties turns it off.
   */
  static synchronized void serveDockerApi() throws IOException, InterruptedException {
    require();
    if (service != null || System.getenv("DOCKER_HOST") != null) {
      return;
    }
    Path socket = Path.of("/tmp/tailgate-podman-" + ProcessHandle.current().pid() + ".sock");
    Files.deleteIfExists(socket);
    serviceLog = Files.createTempFile("tailgate-podman-service-", ".log");
    service =
        RunningProcess.start(
            List.of("podman", "system", "service", "--time=0", "unix://" + socket), serviceLog);
    Runtime.getRuntime().addShutdownHook(new Thread(Podman::stopService, "podman-service-stop"));
    long deadline = System.nanoTime() + SHORT.toNanos();
    while (!Files.exists(socket)) {
      if (!service.process().isAlive() || System.nanoTime() > deadline) {
        throw new IOException("podman system service did not start: " + service.output());
      }
      Thread.sleep(50);
    }
    System.setProperty(PodmanClientProviderStrategy.SOCKET_PROPERTY, socket.toString());
  }

  private static synchronized void stopService() {
    if (service != null) {
      service.close();
      try {
        Files.deleteIfExists(serviceLog);
      } catch (IOException e) {
        System.err.println("container tests: could not remove " + serviceLog + ": " + e);
      }
    }
  }

  /** Runs {@code podman ARGS...} to completion. */
  static RunningProcess.Result run(String... args) throws IOException, InterruptedException {
    return run(SHORT, Map.of(), args);
  }

  static RunningProcess.Result run(Duration timeout, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("podman"));
    command.addAll(Arrays.asList(args));
    return RunningProcess.run(command, new byte[0], timeout, env);
  }

  /** Runs {@code podman ARGS...}; fails unless it exits 0; returns its output. */
  static String ok(String... args) throws IOException, InterruptedException {
    RunningProcess.Result r = run(args);
    if (r.exitCode() != 0) {
      throw new IOException(
          "podman " + String.join(" ", args) + " exited " + r.exitCode() + ": " + tail(r.output()));
    }
    return r.output();
  }

  /** Runs {@code sh -c SCRIPT} in the container; returns exit code and output. */
  static RunningProcess.Result exec(String container, String script)
      throws IOException, InterruptedException {
    return run("exec", container, "sh", "-c", script);
  }

  /**
   * {@code url} fetched with curl inside {@code container} through its relay (SOCKS5 on
   * 127.0.0.1:1080, names resolved by tailgate), retried until it answers or {@code wait} ends.
   */
  static String throughRelay(String container, String url, Duration wait)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    RunningProcess.Result r;
    do {
      r = exec(container, "curl -sS -m 5 --socks5-hostname 127.0.0.1:1080 " + url);
      if (r.exitCode() == 0) {
        return r.output();
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(
        "no answer through the relay within "
            + wait
            + ": "
            + r.output()
            + exec(container, "tail -n 40 /root/.local/state/tailgate/*.log").output()
            + run("logs", container).output());
  }

  /**
   * {@code podman stop} with the 10 s timeout of Docker and podman; fails unless the container
   * ended before the timeout (podman then kills it, exit code 137). Returns the container's exit
   * code.
   */
  static int stopWithinTimeout(String container) throws IOException, InterruptedException {
    long t = System.nanoTime();
    ok("stop", "--time=10", container);
    Duration took = Duration.ofNanos(System.nanoTime() - t);
    System.out.println(container + ": podman stop took " + took.toMillis() + " ms");
    int exit =
        Integer.parseInt(ok("inspect", container, "--format", "{{.State.ExitCode}}").strip());
    if (took.compareTo(Duration.ofSeconds(10)) >= 0 || exit == 137) {
      throw new AssertionError(
          "podman stop took " + took + ", exit code " + exit + ": killed at the timeout");
    }
    return exit;
  }

  /** When the container last started, by podman's clock (the host's). */
  static Instant startedAt(String container) throws IOException, InterruptedException {
    return Instant.parse(
        ok(
                "inspect",
                container,
                "--format",
                "{{.State.StartedAt.Format \"2006-01-02T15:04:05.000000000Z07:00\"}}")
            .strip());
  }

  static String tail(String output) {
    return output.length() <= 4000 ? output : "..." + output.substring(output.length() - 4000);
  }
}
