package dev.tailgate.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailgate.e2e.TailnetForContainers;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The devcontainer as an editor runs it: {@code devcontainer up --docker-path podman} (the Dev
 * Containers CLI) builds .devcontainer/ and runs its postStartCommand, scripts/start.sh, whose
 * tailgate brings up tailscaled in userspace mode and logs it in to the e2e's headscale with the
 * single-use key from TAILGATE_AUTH_KEY. The container joins the e2e's network namespace, so all
 * traffic stays on its loopback. The methods run in order on one container: up, ssh, tailscaled
 * killed, restart, stop; then a second container without a key.
 *
 * <p>devcontainer.json is used as written; the test's override adds only the namespace (runArgs),
 * the tailscaled knobs of a loopback-only network, and absolute paths to the Dockerfile and the
 * build context (this checkout). The workspace is an empty directory of the test's: start.sh's
 * {@code tailgate ansible} writes ansible/ there, not over this checkout's files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevcontainerIT {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final String HOSTNAME = "devbox";
  private static final Duration RELAY_WAIT = Duration.ofSeconds(120);
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
          .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
          .build();

  private TailnetForContainers tailnet;
  private Path override;
  private Path workspace;
  private String label;
  private String container;
  private String key;
  private final List<String> containers = new ArrayList<>();

  @BeforeAll
  void startTailnet() throws Exception {
    Podman.require();
    Podman.prepareContext();
    DevcontainerCli.require();
    tailnet = TailnetForContainers.start();
    override = writeOverride(tailnet.netnsPath());
    workspace = Files.createTempDirectory("tailgate-devcontainer-workspace-");
  }

  @AfterAll
  void stopAll() throws Exception {
    for (String c : containers) {
      String volumes =
          Podman.run("inspect", c, "--format", "{{range .Mounts}}{{.Name}} {{end}}").output();
      Podman.run("rm", "-f", "-t", "0", c);
      for (String v : volumes.strip().split("\\s+")) {
        if (v.startsWith("tailgate-state-")) {
          Podman.run("volume", "rm", "-f", v);
        }
      }
    }
    if (tailnet != null) {
      tailnet.close();
    }
    if (workspace != null) {
      RunningProcess.run(
          List.of("rm", "-rf", workspace.toString(), override.getParent().toString()),
          new byte[0],
          Duration.ofSeconds(30));
    }
  }

  @Test
  @Order(1)
  void upStartsTailgateWhichJoinsTheTailnetAndRelaysToThePeerByName() throws Exception {
    key = tailnet.singleUseKey();
    label = "tailgate-test=" + UUID.randomUUID();
    container = DevcontainerCli.up(workspace, override, label, env(key));
    containers.add(container);
    Instant started = Podman.startedAt(container);

    String page = relayedPage(RELAY_WAIT);
    Duration firstRelayed = Duration.between(started, Instant.now());
    System.out.println(
        "container: start to first relayed connection " + firstRelayed.toMillis() + " ms");
    assertThat(page).contains(tailnet.marker());

    // As devcontainer.json promises: not privileged, no NET_ADMIN, no /dev/net/tun.
    assertThat(Podman.ok("inspect", container, "--format", "{{.HostConfig.Privileged}}").strip())
        .isEqualTo("false");
    String capEff = Podman.exec(container, "grep CapEff /proc/1/status").output();
    long caps =
        Long.parseLong(capEff.replaceAll("(?s).*CapEff:\\s*([0-9a-f]+).*", "$1").strip(), 16);
    assertThat(caps & (1L << 12)).as("CAP_NET_ADMIN in " + capEff).isZero();
    assertThat(Podman.exec(container, "test -e /dev/net/tun").exitCode()).isNotZero();

    // tailgate runs, its tailscaled in userspace mode, and the health check is healthy.
    String ps = Podman.exec(container, "ps -eo args").output();
    assertThat(ps)
        .contains("tailscaled --tun=userspace-networking")
        // up --detach starts its child through the launcher, as a foreground up runs
        .contains("-XX:SharedArchiveFile=/opt/tailgate/target/tailgate-up.jsa")
        .contains("/opt/tailgate/target/tailgate.jar up ");
    assertThat(Podman.exec(container, "curl -fsS http://127.0.0.1:1081/healthz").output())
        .contains("ok");
    assertThat(Podman.run("healthcheck", "run", container).exitCode()).isZero();
    assertThat(node().path("given_name").asText()).isEqualTo(HOSTNAME);
  }

  @Test
  @Order(2)
  void sshWithTheGeneratedConfigReachesThePeerByName() throws Exception {
    Podman.ok("cp", tailnet.sshClientKey().toString(), container + ":/root/peer_key");
    Podman.ok("cp", tailnet.sshKnownHosts().toString(), container + ":/root/peer_known_hosts");
    // start.sh writes ansible/ssh_config into the workspace once the relay is up.
    String config = "\"$TAILGATE_WORKSPACE/ansible/ssh_config\"";
    long deadline = System.nanoTime() + RELAY_WAIT.toNanos();
    while (Podman.exec(container, "grep -q 'END tailgate managed' " + config).exitCode() != 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no ansible/ssh_config: " + tailgateLogs(container));
      }
      Thread.sleep(200);
    }
    RunningProcess.Result ssh =
        Podman.exec(
            container,
            "chmod 600 /root/peer_key && ssh -F "
                + config
                + " -i /root/peer_key -o IdentitiesOnly=yes -o BatchMode=yes"
                + " -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/peer_known_hosts"
                + " root@"
                + tailnet.peerName()
                + " echo over-ssh");
    assertThat(ssh.exitCode()).as(ssh.output()).isZero();
    assertThat(ssh.output()).contains("over-ssh");
  }

  @Test
  @Order(3)
  void aKilledTailscaledComesBack() throws Exception {
    String pid =
        Podman.exec(container, "head -n 1 /var/lib/tailgate/tailscaled/tailgate-tailscaled.pid")
            .output()
            .strip();
    assertThat(Podman.exec(container, "kill -9 " + pid).exitCode()).isZero();
    assertThat(relayedPage(RELAY_WAIT)).contains(tailnet.marker());
    String again =
        Podman.exec(container, "head -n 1 /var/lib/tailgate/tailscaled/tailgate-tailscaled.pid")
            .output()
            .strip();
    assertThat(again).isNotEqualTo(pid);
  }

  @Test
  @Order(4)
  void aRestartKeepsTheNodeAndDoesNotUseTheKeyAgain() throws Exception {
    JsonNode before = node();
    Podman.ok("stop", container);
    long t = System.nanoTime();
    String same = DevcontainerCli.up(workspace, override, label, env(key));
    assertThat(same).isEqualTo(container);
    assertThat(relayedPage(RELAY_WAIT)).contains(tailnet.marker());
    System.out.println(
        "container: restart (devcontainer up) to first relayed connection "
            + Duration.ofNanos(System.nanoTime() - t).toMillis()
            + " ms");
    JsonNode after = node();
    assertThat(after.path("id").asText()).isEqualTo(before.path("id").asText());
    long nodes = 0;
    for (JsonNode n : tailnet.nodes()) {
      nodes += HOSTNAME.equals(n.path("given_name").asText()) ? 1 : 0;
    }
    assertThat(nodes).as(tailnet.nodes().toString()).isEqualTo(1);
  }

  @Test
  @Order(5)
  void stopEndsTailgateAndTailscaledCleanlyWithinTheTimeout() throws Exception {
    List<Long> hostPids = new ArrayList<>();
    for (String line : Podman.ok("top", container, "hpid").split("\n")) {
      if (line.strip().matches("\\d+")) {
        hostPids.add(Long.parseLong(line.strip()));
      }
    }
    assertThat(hostPids).hasSizeGreaterThan(3); // tini, main, sleep, tailgate, tailscaled
    assertThat(Podman.stopWithinTimeout(container))
        .as("tini's exit: 0 when container-main.sh stopped tailgate itself")
        .isZero();
    assertThat(hostPids).noneMatch(pid -> ProcessHandle.of(pid).isPresent());
    // container-main.sh's `tailgate down` stopped both with TERM, so both wrote their last words.
    assertThat(Podman.ok("logs", container))
        .contains("tailgate: stopped the relay")
        .contains("tailgate: stopped tailscaled");
    // tailscaled's log goes with the state it serves: beside a state dir named tailscaled.
    assertThat(fileOf(container, "/var/lib/tailgate/tailscaled.log")).contains("shutting down");
  }

  @Test
  @Order(6)
  void withoutAKeyItSaysOnceHowToLogIn() throws Exception {
    String noKey =
        DevcontainerCli.up(workspace, override, "tailgate-test=" + UUID.randomUUID(), env(""));
    containers.add(noKey);
    String log = "";
    long deadline = System.nanoTime() + RELAY_WAIT.toNanos();
    while (System.nanoTime() < deadline && !log.contains("/register/")) {
      Thread.sleep(500);
      log = tailgateLogs(noKey);
    }
    assertThat(log).contains(TailnetForContainers.LOGIN_SERVER + "/register/");
    // Once: not again while it waits (tailscaled repeats the URL on its IPN bus).
    Thread.sleep(5000);
    log = tailgateLogs(noKey);
    assertThat(log.split("/register/", -1)).hasSize(2);
    log.lines()
        .filter(l -> l.contains("/register/"))
        .forEach(l -> System.out.println("container: without a key: " + l));
  }

  /** start.sh's and tailgate's output in the container. */
  private static String tailgateLogs(String container) throws IOException, InterruptedException {
    return Podman.exec(
            container,
            "cat /root/.local/state/tailgate/start.log /root/.local/state/tailgate/tailgate.log")
        .output();
  }

  /** A file of a (stopped) container. */
  private static String fileOf(String container, String path)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("tailgate-container-file-");
    try {
      Podman.ok("cp", container + ":" + path, dir.toString());
      return Files.readString(dir.resolve(Path.of(path).getFileName()));
    } finally {
      RunningProcess.run(List.of("rm", "-rf", dir.toString()), new byte[0], Duration.ofSeconds(10));
    }
  }

  /** The peer's page through the container's relay, by the peer's MagicDNS name. */
  private String relayedPage(Duration wait) throws IOException, InterruptedException {
    return Podman.throughRelay(
        container,
        "http://" + tailnet.peerName() + ":" + TailnetForContainers.HTTP_PORT + "/",
        wait);
  }

  private JsonNode node() throws IOException, InterruptedException {
    for (JsonNode n : tailnet.nodes()) {
      if (HOSTNAME.equals(n.path("given_name").asText())) {
        return n;
      }
    }
    throw new AssertionError("headscale has no node " + HOSTNAME + ": " + tailnet.nodes());
  }

  /** The environment devcontainer.json's ${localEnv:...} read. */
  private Map<String, String> env(String authKey) {
    Map<String, String> env = new HashMap<>();
    env.put("TAILGATE_AUTH_KEY", authKey);
    env.put("TAILGATE_LOGIN_SERVER", TailnetForContainers.LOGIN_SERVER);
    env.put("TAILGATE_HOSTNAME", HOSTNAME);
    env.put(
        "TAILGATE_ALLOW",
        tailnet.peerName()
            + ":"
            + TailnetForContainers.HTTP_PORT
            + ","
            + TailnetForContainers.SSH_PORT);
    env.put("TAILSCALE_FROM", "context");
    env.put("TAILGATE_FROM", "jar");
    return env;
  }

  /**
   * devcontainer.json with the Dockerfile and context as absolute paths, the container in the
   * namespace, and the tailscaled knobs in its environment.
   */
  private static Path writeOverride(String netns) throws IOException {
    Path dir = ROOT.resolve(".devcontainer");
    ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("devcontainer.json").toFile());
    ObjectNode build = (ObjectNode) config.get("build");
    build.put("dockerfile", dir.resolve(build.get("dockerfile").asText()).normalize().toString());
    build.put("context", dir.resolve(build.get("context").asText()).normalize().toString());
    config.putArray("runArgs").add("--network=ns:" + netns);
    ObjectNode env = (ObjectNode) config.get("containerEnv");
    TailnetForContainers.tailscaledEnv().forEach(env::put);
    Path file = Files.createTempDirectory("tailgate-devcontainer-").resolve("devcontainer.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), config);
    return file;
  }
}
