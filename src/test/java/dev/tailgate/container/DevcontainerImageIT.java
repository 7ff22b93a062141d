package dev.tailgate.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The devcontainer image (built by {@link Podman} from .devcontainer/Dockerfile), run through
 * Testcontainers on podman's Docker-compatible API: doctor finds everything, and a relay without a
 * tailnet serves /healthz. Skipped, with the reason, where podman cannot run; {@link
 * DevcontainerIT} runs the same image as an editor would, on a real tailnet.
 */
class DevcontainerImageIT {

  @Test
  void doctorAndUpWithoutBootstrapWorkInTheImage() throws Exception {
    String image = Podman.image("devcontainer");
    Podman.serveDockerApi();
    try (GenericContainer<?> box =
        new GenericContainer<>(DockerImageName.parse(image))
            .withCommand("sleep", "infinity")
            .withStartupTimeout(Duration.ofMinutes(2))) {
      box.start();

      ExecResult doctor = box.execInContainer("tailgate", "doctor", "--config", "/dev/null");
      assertThat(doctor.getStdout())
          .contains("ok    tailscaled: ")
          .contains("ok    tailscale: ")
          .contains("ok    setsid: ")
          .contains("ok    relay port 127.0.0.1:1080 is free");

      ExecResult up =
          box.execInContainer(
              "bash",
              "-c",
              "tailgate up --no-bootstrap --upstream direct --allow 127.0.0.1:1081 --detach"
                  + " && curl -sf http://127.0.0.1:1081/healthz && tailgate status");
      assertThat(up.getExitCode()).as(up.getStdout() + up.getStderr()).isZero();
      assertThat(up.getStdout()).contains("ok").contains("relay       127.0.0.1:1080");
    }
  }
}
