package dev.tailgate.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.e2e.TailnetForContainers;
import dev.tailgate.testing.RunningProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar image (.devcontainer/Dockerfile's {@code sidecar} target) as docs/container.md runs
 * it: tini as PID 1, {@code tailgate up} in the foreground configured by TAILGATE_* variables,
 * tailscaled's state in a volume. Joined to the e2e's tailnet through its network namespace.
 */
class SidecarIT {
  private final List<String> cleanup = new ArrayList<>();

  @AfterEach
  void removeContainersAndVolumes() throws Exception {
    for (String c : cleanup) {
      Podman.run("rm", "-f", "-t", "0", c);
      Podman.run("volume", "rm", "-f", c);
    }
  }

  @Test
  void relaysToThePeerIsHealthyAndStopsCleanly() throws Exception {
    String image = Podman.image("sidecar");
    try (TailnetForContainers tailnet = TailnetForContainers.start()) {
      String name = "tailgate-sidecar-" + UUID.randomUUID();
      cleanup.add(name);
      List<String> run =
          new ArrayList<>(
              List.of(
                  "run",
                  "--detach",
                  "--name=" + name,
                  "--network=ns:" + tailnet.netnsPath(),
                  "--volume=" + name + ":/var/lib/tailgate",
                  // The key comes from podman's own environment: not in any argv.
                  "--env=TAILGATE_AUTH_KEY",
                  "--env=TAILGATE_LOGIN_SERVER=" + TailnetForContainers.LOGIN_SERVER,
                  "--env=TAILGATE_HOSTNAME=sidecar",
                  "--env=TAILGATE_ALLOW="
                      + tailnet.peerName()
                      + ":"
                      + TailnetForContainers.HTTP_PORT));
      TailnetForContainers.tailscaledEnv().forEach((k, v) -> run.add("--env=" + k + "=" + v));
      run.add(image);
      RunningProcess.Result started =
          Podman.run(
              Duration.ofMinutes(1),
              Map.of("TAILGATE_AUTH_KEY", tailnet.singleUseKey()),
              run.toArray(String[]::new));
      assertThat(started.exitCode()).as(started.output()).isZero();

      String page =
          Podman.throughRelay(
              name,
              "http://" + tailnet.peerName() + ":" + TailnetForContainers.HTTP_PORT + "/",
              Duration.ofMinutes(2));
      System.out.println(
          "sidecar: start to first relayed connection "
              + Duration.between(Podman.startedAt(name), Instant.now()).toMillis()
              + " ms");
      assertThat(page).contains(tailnet.marker());

      assertThat(Podman.exec(name, "tr '\\0' ' ' </proc/1/cmdline").output())
          .startsWith("/usr/bin/tini -- /opt/tailgate/scripts/start.sh --foreground");
      assertThat(Podman.exec(name, "ps -eo args").output())
          .doesNotContain("TAILGATE_AUTH_KEY=tskey")
          .contains("--auth-key env:TAILGATE_AUTH_KEY");
      assertThat(Podman.run("healthcheck", "run", name).exitCode()).isZero();

      Podman.stopWithinTimeout(name);
    }
  }

  @Test
  void refusesAnOpenRelayWithoutAuth() throws Exception {
    String image = Podman.image("sidecar");
    RunningProcess.Result r =
        Podman.run(
            Duration.ofMinutes(1),
            Map.of(),
            "run",
            "--rm",
            "--network=none",
            "--env=TAILGATE_LISTEN=0.0.0.0:1080",
            image);
    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("auth-file");
  }
}
