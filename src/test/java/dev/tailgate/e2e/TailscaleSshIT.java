package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.ansible.KnownHosts;
import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's pinned host keys on the real tailnet: the peer serves Tailscale SSH ({@code tailscale
 * up --ssh}, headscale's SSH rule), so it advertises its host keys in the tailnet ({@code
 * sshHostKeys}); {@code tailgate ansible} writes known_hosts from them alone, and Ansible and ssh
 * check hosts strictly against it, with no {@code host_key_checking = False} anywhere. When the
 * peer's host keys change (its tailscaled restarted on the same state without them), ssh refuses
 * the peer and names the file; {@code tailgate ansible} run again trusts the new keys.
 */
class TailscaleSshIT extends OnRealTailnet {
  private static final Duration LIMIT = Duration.ofSeconds(120);

  private AnsibleOnTailnet ansible;
  private List<String> keysBefore;

  @Override
  void configure(RealTailnet tailnet) {
    tailnet.tailscaleSsh = true;
  }

  @Override
  void bringUp(Binaries bin) throws Exception {
    GatewayStart.measure(net, net.upArgs(net.headscale.createKey(net.userId, false)));
    keysBefore = awaitPeerKeys(List.of());
    ansible = AnsibleOnTailnet.generate(net, false);
    assertThat(ansible.generated.exitCode()).as(ansible.generated.output()).isZero();
  }

  /**
   * The peer's host keys as the gateway's tailscaled knows them, once they differ from {@code old}:
   * the peer advertises them in its Hostinfo, which control passes on.
   */
  private List<String> awaitPeerKeys(List<String> old) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> keys = List.of();
    while (System.nanoTime() < deadline) {
      keys = peerKeys(net.gatewayStatus());
      if (!keys.isEmpty() && !keys.equals(old)) {
        return keys;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "the gateway never saw new sshHostKeys for the peer (had " + keys + ")");
  }

  private List<String> peerKeys(JsonNode status) {
    List<String> keys = new ArrayList<>();
    status
        .path("Peer")
        .forEach(
            p -> {
              if (p.path("DNSName").asText().replaceAll("\\.$", "").equals(net.peerName)) {
                p.path("sshHostKeys").forEach(k -> keys.add(k.asText()));
              }
            });
    return keys;
  }

  private RunningProcess.Result ssh(String command) throws Exception {
    return ansible.run(
        List.of(
            "ssh",
            "-F",
            ansible.ansibleDir.resolve("ssh_config").toString(),
            "-o",
            "BatchMode=yes",
            "-l",
            System.getProperty("user.name"),
            net.peerName,
            command),
        LIMIT);
  }

  private RunningProcess.Result ping() throws Exception {
    return ansible.run(List.of("ansible", "all", "-m", "ansible.builtin.ping"), LIMIT);
  }

  @Test
  @Order(1)
  void knownHostsHoldsThePeersAdvertisedKeysAndNothingTurnsCheckingOff() throws Exception {
    String knownHosts = Files.readString(ansible.ansibleDir.resolve(KnownHosts.FILE));
    for (String key : keysBefore) {
      assertThat(knownHosts).contains(net.peerName).contains(key);
    }
    try (Stream<Path> files = Files.walk(ansible.dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String text = Files.readString(f).toLowerCase(java.util.Locale.ROOT);
        assertThat(text)
            .as(f.toString())
            .doesNotContainPattern("host_key_checking\\s*=\\s*false")
            .doesNotContainPattern("stricthostkeychecking[ =]+no");
      }
    }
    assertThat(Files.readString(ansible.ansibleDir.resolve("ansible.cfg")))
        .contains("host_key_checking = True");
    assertThat(Files.readString(ansible.ansibleDir.resolve("ssh_config")))
        .contains("StrictHostKeyChecking yes");
  }

  @Test
  @Order(2)
  void sshAndAnsiblePingReachTheTailscaleSshPeerWithStrictChecking() throws Exception {
    long t = System.nanoTime();
    RunningProcess.Result r = ssh("echo reached-$(id -un)");
    net.timings.phase("tailscale ssh: ssh -F generated ssh_config", Timings.since(t));
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("reached-");

    t = System.nanoTime();
    RunningProcess.Result p = ping();
    net.timings.phase("tailscale ssh: ansible all -m ping", Timings.since(t));
    assertThat(p.exitCode()).as(p.output()).isZero();
    assertThat(p.output()).contains(net.peerName + " | SUCCESS").contains("\"ping\": \"pong\"");
  }

  @Test
  @Order(3)
  void aPlaybookRunsOnTheTailscaleSshPeerWithFailedZero() throws Exception {
    Path stamp = ansible.dir.resolve("stamp");
    long t = System.nanoTime();
    RunningProcess.Result r =
        ansible.run(
            List.of("ansible-playbook", "-e", "tailnet_check_stamp=" + stamp, "site.yml"), LIMIT);
    net.timings.phase("tailscale ssh: ansible-playbook site.yml", Timings.since(t));
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .containsPattern(net.peerName.replace(".", "\\.") + "\\s*: ok=\\d+ .*failed=0");
    ansible.closeMasters();
  }

  @Test
  @Order(4)
  void aPeerWhoseHostKeyChangedIsRefusedWithTheFileNamedUntilTailgateAnsibleRunsAgain()
      throws Exception {
    ansible.closeMasters();
    net.restartPeerWithNewHostKeys();
    List<String> keysAfter = awaitPeerKeys(keysBefore);
    Path knownHosts = ansible.ansibleDir.resolve(KnownHosts.FILE);

    RunningProcess.Result refused = ssh("true");
    assertThat(refused.exitCode()).as(refused.output()).isEqualTo(255);
    assertThat(refused.output())
        .contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
        .contains(knownHosts.toString());
    RunningProcess.Result ping = ping();
    assertThat(ping.exitCode()).as(ping.output()).isNotZero();
    assertThat(ping.output()).contains("UNREACHABLE").contains(knownHosts.toString());

    RunningProcess.Result again =
        ansible.run(
            List.of(
                "tailgate",
                "ansible",
                "--out",
                ansible.ansibleDir.toString(),
                "--config",
                ansible.config.toString()),
            LIMIT);
    assertThat(again.exitCode()).as(again.output()).isZero();
    String rewritten = Files.readString(knownHosts);
    for (String key : keysAfter) {
      assertThat(rewritten).contains(key);
    }
    RunningProcess.Result trusted = ssh("true");
    assertThat(trusted.exitCode()).as(trusted.output()).isZero();
  }
}
