package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SocksServers;
import dev.tailgate.testing.Sshd;
import dev.tailgate.testing.TailgateScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real OpenSSH and real Ansible through {@code tailgate connect} and the relay, on loopback: a
 * throwaway sshd, microsocks standing in for tailscaled's SOCKS5, {@code tailgate up} in front of
 * it, and the configuration {@code tailgate ansible} generated, unedited. One inventory host the
 * allowlist admits (127.0.0.1:SSHD) and one it refuses (127.0.0.2).
 */
class AnsibleEndToEndTest {
  @TempDir static Path dir;
  private static Sshd sshd;
  private static SocksServers.Server upstream;
  private static CliProcess.Running relay;
  private static Path relayLog;
  private static Path ansibleDir;
  private static Map<String, String> ansibleEnv;

  @BeforeAll
  static void setUp() throws Exception {
    ExternalTool.require("ssh", "openssh-client");
    ExternalTool.require("ansible", "ansible-core");
    sshd = Sshd.start(dir.resolve("sshd"));
    upstream = SocksServers.microsocks(dir);
    relayLog = dir.resolve("connections.log");
    Path config = dir.resolve("tailgate.yaml");
    Files.writeString(
        config,
        "listen: 127.0.0.1:"
            + ExternalTool.freePort()
            + "\nadmin: 'off'\nupstream: socks5://127.0.0.1:"
            + upstream.port()
            + "\nno-bootstrap: true\nallow:\n  - \"127.0.0.1:"
            + sshd.port
            + "\"\nlog-file: "
            + relayLog
            + "\n");
    CliProcess cli = new CliProcess(Map.of("TAILGATE_RUN_DIR", dir.resolve("run").toString()));
    relay = cli.start(List.of("up", "--config", config.toString()));
    ansibleDir = dir.resolve("ansible");
    CliProcess.Result generated =
        cli.run(
            List.of(
                "ansible",
                "--out",
                ansibleDir.toString(),
                "--config",
                config.toString(),
                "--magic-dns-suffix",
                "tail1234.ts.net",
                "--socket",
                dir.resolve("no-tailscaled.sock").toString(),
                "--tailgate",
                TailgateScript.write(dir.resolve("bin")).toString()));
    assertThat(generated.exitCode()).as(generated.output()).isZero();
    // The repo's example playbook and role, next to the generated files.
    Path repo = Path.of("ansible").toAbsolutePath();
    Files.copy(repo.resolve("site.yml"), ansibleDir.resolve("site.yml"));
    for (String f : List.of("tasks/main.yml", "defaults/main.yml")) {
      Path to = ansibleDir.resolve("roles/tailnet_check").resolve(f);
      Files.createDirectories(to.getParent());
      Files.copy(repo.resolve("roles/tailnet_check").resolve(f), to);
    }
    Files.writeString(
        ansibleDir.resolve("hosts.ini"),
        String.join(
            "\n",
            "[tailnet]",
            "box.tail1234.ts.net ansible_host=127.0.0.1 ansible_port=" + sshd.port,
            "denied.tail1234.ts.net ansible_host=127.0.0.2 ansible_port=" + sshd.port,
            "",
            "[all:vars]",
            "ansible_user=" + sshd.user,
            "ansible_ssh_private_key_file=" + sshd.userKey,
            "ansible_ssh_extra_args='-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes'",
            // No ansible_python_interpreter: Ansible's first ssh is then its interpreter
            // discovery, which sends nothing on stdin. With pipelining, a first ssh that carries a
            // module races ssh's exit in Ansible's ssh plugin, which may then report only
            // "Broken pipe" instead of ssh's message (the relay's log has the refusal either way).
            ""));
    ansibleEnv =
        Map.of(
            "ANSIBLE_CONFIG",
            "ansible.cfg",
            "ANSIBLE_HOST_KEY_CHECKING",
            "False",
            "ANSIBLE_HOME",
            dir.resolve("ansible-home").toString(),
            "ANSIBLE_LOCAL_TEMP",
            dir.resolve("ansible-tmp").toString(),
            "ANSIBLE_SSH_CONTROL_PATH_DIR",
            dir.resolve("cp").toString(),
            "ANSIBLE_NOCOLOR",
            "1");
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (relay != null) {
      relay.process().destroy();
      relay.process().waitFor(10, TimeUnit.SECONDS);
    }
    if (upstream != null) {
      upstream.close();
    }
    if (sshd != null) {
      sshd.close();
    }
  }

  private static RunningProcess.Result inAnsibleDir(Map<String, String> env, String... command)
      throws Exception {
    List<String> argv = new ArrayList<>(List.of("env", "-C", ansibleDir.toString()));
    env.forEach((k, v) -> argv.add(k + "=" + v));
    argv.addAll(List.of(command));
    return RunningProcess.run(argv, new byte[0], Duration.ofSeconds(180));
  }

  @Test
  void plainSshGoesThroughTheGeneratedSshConfig() throws Exception {
    Path sshConfig = dir.resolve("ssh_test_config");
    Files.writeString(
        sshConfig,
        "Host box.tail1234.ts.net\n    HostName 127.0.0.1\n    Port "
            + sshd.port
            + "\nInclude "
            + ansibleDir.resolve("ssh_config")
            + "\n");
    List<String> ssh = new ArrayList<>(List.of("ssh", "-F", sshConfig.toString()));
    ssh.addAll(sshd.clientOptions());
    ssh.addAll(List.of("-l", sshd.user, "box.tail1234.ts.net", "echo", "through-tailgate"));

    RunningProcess.Result r = inAnsibleDir(Map.of(), ssh.toArray(String[]::new));

    assertThat(r.exitCode()).as(r.output() + sshd.log()).isZero();
    assertThat(r.output()).contains("through-tailgate");
    assertThat(relayLogLine("127.0.0.1", sshd.port)).contains("\"result\":\"ok\"");
  }

  @Test
  void ansiblePingReachesTheAllowedHostAndShowsTheRefusalForTheOther() throws Exception {
    RunningProcess.Result r =
        inAnsibleDir(ansibleEnv, "ansible", "all", "-i", "hosts.ini", "-m", "ansible.builtin.ping");

    assertThat(r.output()).contains("box.tail1234.ts.net | SUCCESS").contains("\"ping\": \"pong\"");
    assertThat(r.output())
        .contains("denied.tail1234.ts.net | UNREACHABLE!")
        // ControlPersist silences the ProxyCommand's stderr; connect's line arrives as an SSH
        // identification line that ssh rejects and prints.
        .contains(
            "Bad remote protocol version identification: 'SSH-tailgate: cannot reach 127.0.0.2:"
                + sshd.port
                + ": refused by tailgate's allowlist");
    assertThat(r.exitCode()).as("unreachable hosts make ansible exit 4").isEqualTo(4);
    assertThat(relayLogLine("127.0.0.2", sshd.port)).contains("\"result\":\"denied\"");
  }

  @Test
  void thePlaybookRunsThroughTailgate() throws Exception {
    Path stamp = dir.resolve("stamp");
    RunningProcess.Result r =
        inAnsibleDir(
            ansibleEnv,
            "ansible-playbook",
            "-i",
            "hosts.ini",
            "--limit",
            "box.tail1234.ts.net",
            "-e",
            "tailnet_check_stamp=" + stamp,
            "site.yml");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("reached through tailgate").contains("failed=0");
    assertThat(stamp).hasContent("reached box.tail1234.ts.net through tailgate");
  }

  private static String relayLogLine(String host, int port) throws Exception {
    String needle = "\"target_host\":\"" + host + "\",\"target_port\":" + port;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    do {
      for (String line :
          Files.exists(relayLog) ? Files.readAllLines(relayLog) : List.<String>of()) {
        if (line.contains(needle)) {
          return line;
        }
      }
      Thread.sleep(100); // a line is written when its connection ends
    } while (System.nanoTime() < deadline);
    throw new AssertionError("no relay log line for " + host + ":" + port);
  }
}
