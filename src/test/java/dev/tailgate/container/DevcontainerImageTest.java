package dev.tailgate.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Builds the devcontainer image from .devcontainer/Dockerfile and checks that tailgate works in it.
 * Needs a Docker engine: without one JUnit reports it skipped ("disabledWithoutDocker"), and the
 * same start path is covered without Docker by {@code StartScriptTest} and the doctor and up tests
 * in {@code dev.tailgate.cli}.
 */
@Testcontainers(disabledWithoutDocker = true)
class DevcontainerImageTest {

  @Test
  void doctorAndUpWithoutBootstrapWorkInTheImage() throws Exception {
    ImageFromDockerfile image =
        new ImageFromDockerfile("tailgate-devcontainer-test", true)
            .withFileFromPath(".", Path.of(".").toAbsolutePath().normalize())
            .withDockerfile(Path.of(".devcontainer/Dockerfile").toAbsolutePath());
    try (GenericContainer<?> box =
        new GenericContainer<>(image)
            .withCommand("sleep", "infinity")
            .withStartupTimeout(Duration.ofMinutes(5))) {
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
