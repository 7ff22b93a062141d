package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 4: {@code kill -9} of the gateway's tailscaled while a loop of requests (curl and ssh,
 * alternating, one after another) runs through the relay. The kill is sent between two requests of
 * the loop: a tunnel open at that instant dies with the daemon's netstack, which no relay can save;
 * every request that comes after it must be held and served. Then proves that no new key was used:
 * same node in headscale, the single-use key used once, and a fresh node presenting it is refused.
 */
final class Recovery {
  static final int BEFORE_KILL = 6;
  static final int AFTER_RECOVERY = 10;
  static final Duration LIMIT = Duration.ofSeconds(120);
  static final int MAX_FAILURES = 20;

  private Recovery() {}

  record Request(String kind, Clients.Timed timed) {}

  static void run(RealTailnet net, String singleUseKey) throws Exception {
    String page = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/";
    JsonNode nodeBefore = net.headscale.node(RealTailnet.GATEWAY);
    int nodesBefore = net.headscale.nodes().size();
    String selfIdBefore = net.gatewayStatus().path("Self").path("ID").asText();
    long pidBefore = net.gatewayDaemonPid();

    List<Request> requests = new ArrayList<>();
    long killedAt = 0;
    long runningAgainAt = 0;
    int afterKill = 0;
    int failures = 0;
    long deadline = System.nanoTime() + LIMIT.toNanos();
    Thread watcher = null;
    long[] running = new long[1];
    for (int i = 0; System.nanoTime() < deadline; i++) {
      if (i == BEFORE_KILL) {
        killedAt = System.nanoTime();
        ProcessHandle.of(pidBefore).orElseThrow().destroyForcibly(); // SIGKILL
        watcher = new Thread(() -> running[0] = runningAgain(net, pidBefore), "e2e-running-again");
        watcher.start();
      }
      boolean curl = i % 2 == 0;
      List<String> command =
          curl
              ? Clients.curlSocks5h(RealTailnet.RELAY_PORT, page)
              : net.sshd.ssh(net.peerName, RealTailnet.RELAY_PORT, "true");
      Clients.Timed r = net.clients.timed(command, Duration.ofSeconds(90));
      requests.add(new Request(curl ? "curl" : "ssh", r));
      if (!r.ok() && ++failures >= MAX_FAILURES) {
        break; // enough to fail loudly; no need to hammer a broken relay until the limit
      }
      if (killedAt != 0 && ++afterKill >= AFTER_RECOVERY && !watcher.isAlive()) {
        break;
      }
    }
    if (watcher != null) {
      watcher.join(LIMIT.toMillis());
    }
    runningAgainAt = running[0];

    List<Request> failed =
        requests.stream()
            .filter(
                r ->
                    !r.timed().ok()
                        || (r.kind().equals("curl")
                            && !r.timed().result().output().contains(net.marker)))
            .toList();
    final long kill = killedAt;
    if (runningAgainAt > 0) {
      net.timings.put(
          "recovery (real tailscaled): kill -9 -> tailscaled Running again",
          Timings.ms(Duration.ofNanos(runningAgainAt - kill)));
    }
    Request first = requests.get(BEFORE_KILL);
    Timings t = net.timings;
    t.put(
        "recovery (real tailscaled): kill -9 -> next request served (" + first.kind() + ")",
        Timings.ms(Duration.ofNanos(first.timed().endNanos() - kill)));
    t.put(
        "recovery (real tailscaled): requests in the loop / failed",
        requests.size() + " / " + failed.size());

    assertThat(failed)
        .as("failed requests (%d in all): %s", requests.size(), describe(failed))
        .isEmpty();
    assertThat(afterKill).as("requests after the kill").isGreaterThanOrEqualTo(AFTER_RECOVERY);
    assertThat(runningAgainAt).as("the gateway's tailscaled Running again").isPositive();

    assertSameNodeAndNoNewKey(net, singleUseKey, pidBefore, selfIdBefore, nodeBefore, nodesBefore);

    // A second login with that key is refused: a fresh node presenting it.
    assertThat(secondLogin(net, singleUseKey)).isNotZero();
  }

  /**
   * Scenario 4 with Ansible: {@code ansible-playbook} of {@link #PLAYBOOK_TASKS} remote commands
   * ({@code sleep 1} each) through the generated configuration; {@code kill -9} of the gateway's
   * tailscaled while task {@link #KILL_AT_TASK} runs, so that the task's ssh connection (the
   * ControlPersist master) dies under it. The run must end with {@code failed=0 unreachable=0}; the
   * generated ansible.cfg's ssh retries run the broken task again over a new connection, which
   * tailgate holds until tailscaled is back. Then the same checks that no new key was used.
   */
  static void runPlaybook(RealTailnet net, AnsibleOnTailnet ansible, String singleUseKey)
      throws Exception {
    JsonNode nodeBefore = net.headscale.node(RealTailnet.GATEWAY);
    int nodesBefore = net.headscale.nodes().size();
    String selfIdBefore = net.gatewayStatus().path("Self").path("ID").asText();
    long pidBefore = net.gatewayDaemonPid();
    ansible.sleepyPlaybook(PLAYBOOK_TASKS, "1");
    Path log = net.logs.resolve("ansible-recovery.log");
    long start = System.nanoTime();
    long killedAt = 0;
    RunningProcess.Result result;
    try (RunningProcess playbook =
        RunningProcess.start(
            ansible.command(List.of("ansible-playbook", "-vv", "steps.yml")), log)) {
      String marker = "TASK [step " + KILL_AT_TASK + "]";
      long deadline = System.nanoTime() + LIMIT.toNanos();
      while (System.nanoTime() < deadline && playbook.process().isAlive()) {
        if (Files.exists(log) && Files.readString(log).contains(marker)) {
          Thread.sleep(300); // the task's `sleep 1` is running on the peer now
          killedAt = System.nanoTime();
          ProcessHandle.of(pidBefore).orElseThrow().destroyForcibly(); // SIGKILL
          break;
        }
        Thread.sleep(20);
      }
      boolean ended = playbook.process().waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(ended).as("ansible-playbook ended within %s", LIMIT).isTrue();
      result = new RunningProcess.Result(playbook.process().exitValue(), Files.readString(log));
    }
    long end = System.nanoTime();
    String out = result.output();
    assertThat(killedAt).as("the kill was sent during the run:\n" + out).isPositive();
    net.timings.put(
        "recovery (Ansible): ansible-playbook of "
            + PLAYBOOK_TASKS
            + " tasks, kill -9 at task "
            + KILL_AT_TASK,
        Timings.ms(Duration.ofNanos(end - start))
            + " in all, "
            + Timings.ms(Duration.ofNanos(end - killedAt))
            + " after the kill");
    long retried = out.lines().filter(l -> l.contains("ssh_retry: attempt")).count();
    net.timings.put("recovery (Ansible): ssh retries Ansible reported", Long.toString(retried));

    assertThat(result.exitCode()).as(out).isZero();
    assertThat(out)
        .as(out)
        .containsPattern(
            net.peerName.replace(".", "\\.")
                + "\\s*: ok="
                + PLAYBOOK_TASKS
                + " .*unreachable=0 +failed=0");
    for (int i = 1; i <= PLAYBOOK_TASKS; i++) {
      assertThat(out).contains("TASK [step " + i + "]");
    }
    awaitRunning(net, pidBefore);
    assertSameNodeAndNoNewKey(net, singleUseKey, pidBefore, selfIdBefore, nodeBefore, nodesBefore);
  }

  static final int PLAYBOOK_TASKS = 10;
  static final int KILL_AT_TASK = 4;

  private static void awaitRunning(RealTailnet net, long oldPid) {
    assertThat(runningAgain(net, oldPid)).as("the gateway's tailscaled Running again").isPositive();
  }

  /** The same state: the same node, no new registration, the single-use key used once. */
  private static void assertSameNodeAndNoNewKey(
      RealTailnet net,
      String singleUseKey,
      long pidBefore,
      String selfIdBefore,
      JsonNode nodeBefore,
      int nodesBefore)
      throws Exception {
    long pidAfter = net.gatewayDaemonPid();
    assertThat(pidAfter).as("a new tailscaled").isNotEqualTo(pidBefore);
    assertThat(net.gatewayStatus().path("Self").path("ID").asText()).isEqualTo(selfIdBefore);
    JsonNode nodeAfter = net.headscale.node(RealTailnet.GATEWAY);
    assertThat(nodeAfter.path("id").asLong()).isEqualTo(nodeBefore.path("id").asLong());
    assertThat(nodeAfter.path("machine_key").asText())
        .isEqualTo(nodeBefore.path("machine_key").asText());
    assertThat(net.headscale.nodes().size()).as("nodes in headscale").isEqualTo(nodesBefore);
    JsonNode key = singleUseKeyIn(net.headscale.keys(), nodeAfter);
    assertThat(key.path("reusable").asBoolean()).isFalse();
    assertThat(key.path("used").asBoolean()).isTrue();
    String tailgateSaid = Files.readString(net.tailgateLog);
    assertThat(tailgateSaid.split("logging in with the key from", -1))
        .as("logins by tailgate: " + tailgateSaid)
        .hasSize(2);
    assertThat(tailgateSaid).doesNotContain(singleUseKey);
  }

  /** The key that registered {@code node}, from headscale's list. */
  private static JsonNode singleUseKeyIn(JsonNode keys, JsonNode node) {
    long id = node.path("pre_auth_key").path("id").asLong();
    for (JsonNode k : keys) {
      if (k.path("id").asLong() == id) {
        return k;
      }
    }
    throw new AssertionError("no key " + id + " in " + keys);
  }

  /** Waits until the gateway has a tailscaled other than {@code oldPid} that is Running. */
  static long runningAgain(RealTailnet net, long oldPid) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        long pid;
        try {
          pid = net.gatewayDaemonPid();
        } catch (java.io.IOException | RuntimeException noPidFileYet) {
          pid = oldPid;
        }
        if (pid != oldPid && GatewayStart.backendState(net).equals("Running")) {
          return System.nanoTime();
        }
        Thread.sleep(20);
      }
    } catch (java.io.IOException | InterruptedException e) {
      return 0;
    }
    return 0;
  }

  /** Starts a third tailscaled with empty state and logs it in with the used key; its exit code. */
  private static int secondLogin(RealTailnet net, String key) throws Exception {
    Path dir = net.run.resolve("intruder");
    Files.createDirectories(dir);
    Path keyFile = dir.resolve("authkey");
    Files.writeString(keyFile, key);
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    Path socket = dir.resolve("tailscaled.sock");
    try (RunningProcess daemon =
        RunningProcess.start(
            net.ns.exec(
                RealTailnet.TAILSCALED_ENV,
                List.of(
                    net.bin.tailscaled().toString(),
                    "--tun=userspace-networking",
                    "--state=mem:",
                    "--socket=" + socket,
                    "--port=41643",
                    "--socks5-server=127.0.0.1:1057")),
            net.logs.resolve("second-login-tailscaled.log"))) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!Files.exists(socket) && daemon.process().isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      RunningProcess.Result up =
          RunningProcess.run(
              List.of(
                  net.bin.tailscale().toString(),
                  "--socket=" + socket,
                  "up",
                  "--login-server=" + Headscale.URL,
                  "--auth-key=file:" + keyFile,
                  "--hostname=intruder",
                  "--timeout=20s"),
              new byte[0],
              Duration.ofSeconds(60));
      Files.writeString(net.logs.resolve("second-login.txt"), up.exitCode() + "\n" + up.output());
      net.timings.put(
          "second login with the used single-use key",
          "exit " + up.exitCode() + ": " + up.output().strip().replace('\n', ' '));
      return up.exitCode();
    }
  }

  static String describe(List<Request> failed) {
    StringBuilder s = new StringBuilder();
    for (Request r : failed) {
      s.append('\n')
          .append(r.kind())
          .append(" exit ")
          .append(r.timed().result().exitCode())
          .append(": ")
          .append(r.timed().result().output().strip());
    }
    return s.toString();
  }
}
