package dev.tailgate.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.Sshd;
import dev.tailgate.testing.TailgateScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The known_hosts of {@code tailgate ansible} used by real ssh and Ansible against a real sshd
 * behind the tailscaled double: a peer that advertises its key is reached with strict checking and
 * no prompt, one whose key changed is refused with the file named, one that advertises nothing is
 * refused unless the user chose accept-new; and the inventory plugin keeps the same file.
 */
class PinnedHostKeysTest {
  static final String PINNED = "web-1." + FakeTailnet.SUFFIX;
  static final String UNPINNED = "plain." + FakeTailnet.SUFFIX;

  @TempDir Path dir;
  private Sshd sshd;
  private LoggedInDouble tailnet;
  private Path tailgate;
  private Path out;

  @BeforeEach
  void start() throws Exception {
    sshd = Sshd.start(dir.resolve("sshd"));
    tailnet = LoggedInDouble.start(dir, peers(sshd.port, hostKey(dir.resolve("sshd"))));
    tailgate = TailgateScript.write(dir.resolve("bin"));
    out = dir.resolve("out");
  }

  @AfterEach
  void stop() {
    sshd.close();
    tailnet.close();
  }

  private static String hostKey(Path sshdDir) throws Exception {
    // Where Sshd's SshKeys puts its host key.
    return Files.readString(sshdDir.resolve("host_ed25519.pub")).strip();
  }

  /**
   * web-1 advertises the key of the sshd on {@code port} (Tailscale SSH); plain advertises none.
   */
  private static String peers(int port, String key) {
    return """
        [{"HostName": "web-1", "Address": "127.0.0.1:%d", "sshHostKeys": ["%s"]},
         {"HostName": "plain", "Address": "127.0.0.1:%d"}]
        """
        .formatted(port, key, port);
  }

  /**
   * {@code tailgate ansible} for this tailnet, ssh going through the double's SOCKS5 port with nc
   * (as through a relay there).
   */
  private void generate(String... more) throws Exception {
    Path config = dir.resolve("tailgate.yaml");
    Files.writeString(config, "listen: 127.0.0.1:" + tailnet.tailnet.socksPort + "\n");
    List<String> argv =
        new ArrayList<>(
            List.of(
                tailgate.toString(),
                "ansible",
                "--out",
                out.toString(),
                "--config",
                config.toString(),
                "--socket",
                tailnet.tailnet.socket.toString(),
                "--proxy-command",
                "nc"));
    argv.addAll(List.of(more));
    RunningProcess.Result r = RunningProcess.run(argv, new byte[0], Duration.ofSeconds(60));
    assertThat(r.exitCode()).as(r.output()).isZero();
  }

  private RunningProcess.Result ssh(String host) throws Exception {
    return RunningProcess.run(
        List.of(
            "ssh",
            "-F",
            out.resolve("ssh_config").toString(),
            "-i",
            sshd.userKey.toString(),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-l",
            sshd.user,
            host,
            "echo reached"),
        new byte[0],
        Duration.ofSeconds(60));
  }

  @Test
  void sshTrustsTheTailnetsRecordAndRefusesAChangedKeyNamingTheFile() throws Exception {
    generate();
    assertThat(out.resolve("known_hosts"))
        .content()
        .contains(PINNED + ",100.101.0.1 " + hostKey(dir.resolve("sshd")).replace(" test", ""))
        .doesNotContain(UNPINNED);

    RunningProcess.Result pinned = ssh(PINNED);
    assertThat(pinned.exitCode()).as(pinned.output()).isZero();
    assertThat(pinned.output()).contains("reached").doesNotContain("Warning: Permanently added");

    RunningProcess.Result unpinned = ssh(UNPINNED);
    assertThat(unpinned.exitCode()).as(unpinned.output()).isNotZero();
    assertThat(unpinned.output()).contains("Host key verification failed");

    // The host now shows another key than the tailnet advertises for it.
    try (Sshd other = Sshd.start(dir.resolve("sshd-2"))) {
      tailnet.peers(peers(other.port, hostKey(dir.resolve("sshd"))));
      RunningProcess.Result changed = ssh(PINNED);
      assertThat(changed.exitCode()).as(changed.output()).isNotZero();
      assertThat(changed.output())
          .contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
          .contains("Offending ED25519 key in " + out.resolve("known_hosts"));
    }
  }

  @Test
  void acceptNewTrustsAPeerThatAdvertisesNothingOnceAndARerunKeepsWhatSshLearnt() throws Exception {
    generate("--host-key-checking", "accept-new");
    assertThat(out.resolve("ssh_config")).content().contains("StrictHostKeyChecking accept-new");

    RunningProcess.Result first = ssh(UNPINNED);
    assertThat(first.exitCode()).as(first.output()).isZero();
    String learnt = Files.readString(out.resolve("known_hosts"));
    assertThat(learnt.substring(learnt.indexOf(ManagedFile.END))).contains(UNPINNED);

    generate("--host-key-checking", "accept-new");
    assertThat(Files.readString(out.resolve("known_hosts"))).isEqualTo(learnt);
  }

  @Test
  void ansiblePingsThePinnedHostWithStrictCheckingThroughThePluginsInventory() throws Exception {
    generate();
    assertThat(out.resolve("ansible.cfg")).content().contains("host_key_checking = True");
    Files.delete(out.resolve("known_hosts"));

    // The plugin's run writes known_hosts afresh, and Ansible then checks the host against it.
    RunningProcess.Result ping =
        AnsibleCore.run(
            dir,
            Map.of("ANSIBLE_CONFIG", out.resolve("ansible.cfg").toString()),
            "ansible",
            PINNED,
            "-i",
            out.resolve(Templates.PLUGIN_CONFIG).toString(),
            "-u",
            sshd.user,
            "--private-key",
            sshd.userKey.toString(),
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
            "-m",
            "ansible.builtin.ping",
            "-vvv");
    assertThat(ping.exitCode()).as(ping.output()).isZero();
    assertThat(ping.output())
        .contains("\"ping\": \"pong\"")
        .contains("StrictHostKeyChecking=yes")
        .contains("UserKnownHostsFile=" + out.resolve("known_hosts"))
        .contains("/%C");
    assertThat(out.resolve("known_hosts")).content().contains(PINNED + ",100.101.0.1 ssh-ed25519");
  }

  @Test
  void thePluginWritesTheSameKnownHostsAsTailgateAnsible() throws Exception {
    generate();
    Path plugin = dir.resolve("plugin.tailnet.yml");
    Files.writeString(
        plugin,
        "plugin: tailgate.tailnet.peers\nsocket: "
            + tailnet.tailnet.socket
            + "\nknown_hosts: from-plugin/known_hosts\n");
    Files.createDirectories(dir.resolve("from-plugin"));

    RunningProcess.Result r =
        AnsibleCore.run(dir, Map.of(), "ansible-inventory", "-i", plugin.toString(), "--list");
    assertThat(r.exitCode()).as(r.output()).isZero();

    assertThat(dir.resolve("from-plugin/known_hosts"))
        .hasSameTextualContentAs(out.resolve("known_hosts"));
  }
}
