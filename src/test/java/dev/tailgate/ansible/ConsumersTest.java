package dev.tailgate.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.TailgateScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each generated file read by the program it is for: ssh_config by {@code ssh -G}, ansible.cfg by
 * {@code ansible-config dump}, group_vars by Ansible's own variable loading, the inventory script
 * by {@code ansible-inventory}, and the repo's site.yml by {@code ansible-playbook --syntax-check}.
 */
class ConsumersTest {
  @TempDir Path dir;
  private Path out;
  private ProxyCommand proxy;

  @BeforeEach
  void generate() throws Exception {
    out = dir.resolve("ansible");
    proxy = ProxyCommand.connect("/opt/my tools/tailgate", "127.0.0.1:1080", null);
    GeneratedFiles.write(out, Templates.all(proxy, Fixtures.tailnet()));
  }

  private static RunningProcess.Result run(Path cwd, Map<String, String> env, String... command)
      throws Exception {
    List<String> argv = new ArrayList<>(List.of("env", "-C", cwd.toString()));
    env.forEach((k, v) -> argv.add(k + "=" + v));
    argv.addAll(List.of(command));
    return RunningProcess.run(argv, new byte[0], Duration.ofSeconds(120));
  }

  @ParameterizedTest
  @CsvSource({
    "web-1.tail1234.ts.net, true",
    "100.64.0.1, true",
    "100.100.1.1, true",
    "100.127.255.254, true",
    "fd7a:115c:a1e0::b, true",
    "100.63.255.1, false",
    "100.128.0.1, false",
    "tail1234.ts.net, false",
    "example.com, false"
  })
  void sshReadsTheHostBlockForTailnetNamesAndAddressesOnly(String host, boolean proxied)
      throws Exception {
    ExternalTool.require("ssh", "openssh-client");
    RunningProcess.Result r = run(out, Map.of(), "ssh", "-G", "-F", "ssh_config", host);

    assertThat(r.exitCode()).as(r.output()).isZero();
    String expected = "proxycommand " + proxy.line();
    if (proxied) {
      assertThat(r.output().lines()).contains(expected);
    } else {
      assertThat(r.output()).doesNotContain("proxycommand");
    }
  }

  @Test
  void ansibleReadsTheConfigTheInventoryPathAndTheSshSettings() throws Exception {
    ExternalTool.require("ansible-config", "ansible-core");
    Files.createDirectories(dir.resolve("inventory"));
    RunningProcess.Result r =
        run(
            out,
            Map.of("ANSIBLE_CONFIG", "ansible.cfg"),
            "ansible-config",
            "dump",
            "--only-changed",
            "-t",
            "all");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .contains(
            "DEFAULT_HOST_LIST("
                + out.resolve("ansible.cfg")
                + ") = ['"
                + dir.resolve("inventory")
                + "']")
        .contains("pipelining(" + out.resolve("ansible.cfg") + ") = True")
        .contains("ssh_args(" + out.resolve("ansible.cfg") + ") = " + Templates.SSH_ARGS);
  }

  @Test
  void ansibleGivesSshTheProxyCommandFromGroupVarsAsOneArgument() throws Exception {
    ExternalTool.require("ansible", "ansible-core");
    Files.writeString(out.resolve("hosts.ini"), "web-1.tail1234.ts.net\n");
    RunningProcess.Result r =
        run(
            out,
            Map.of("ANSIBLE_CONFIG", "ansible.cfg"),
            "ansible",
            "all",
            "-i",
            "hosts.ini",
            "-m",
            "ansible.builtin.debug",
            "-a",
            "var=ansible_ssh_common_args",
            "-o");

    assertThat(r.exitCode()).as(r.output()).isZero();
    // Ansible prints the value as JSON: the shlex quoting survived YAML intact, and Ansible
    // templated the tag: the inventory host and the ad-hoc play, URL-encoded, % doubled for ssh.
    assertThat(r.output())
        .contains(
            "-o ProxyCommand=\\\"'/opt/my tools/tailgate' connect --proxy 127.0.0.1:1080 --tag"
                + " 'web-1.tail1234.ts.net@Ansible%%20Ad-Hoc' %h %p\\\"");
  }

  @Test
  void ansibleInventoryAcceptsTheDynamicInventoryScript() throws Exception {
    ExternalTool.require("ansible-inventory", "ansible-core");
    Path tailgate = TailgateScript.write(dir.resolve("bin"));
    Path inventory = Files.createDirectories(dir.resolve("inventory"));
    Files.copy(Path.of("inventory/tailnet"), inventory.resolve("tailnet"));
    Path fixture = Path.of("src/test/resources/localapi/status-running.json").toAbsolutePath();
    // The repo's wrapper, with TAILGATE pointing at this build; --status-json stands in for
    // tailscaled through a second wrapper, as Ansible passes only --list.
    Path withFixture = dir.resolve("bin/tailgate-fixture");
    Files.writeString(
        withFixture, "#!/bin/sh\nexec '" + tailgate + "' \"$@\" --status-json '" + fixture + "'\n");
    withFixture.toFile().setExecutable(true);

    RunningProcess.Result r =
        run(
            out,
            Map.of("ANSIBLE_CONFIG", "ansible.cfg", "TAILGATE", withFixture.toString()),
            "ansible-inventory",
            "--list");

    assertThat(r.exitCode()).as(r.output()).isZero();
    JsonNode list = new ObjectMapper().readTree(r.output().substring(r.output().indexOf('{')));
    assertThat(list.path("tailnet").path("hosts"))
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrder(
            "web-1.tail1234.ts.net", "db-1.tail1234.ts.net", "alices-macbook-pro.tail1234.ts.net");
    assertThat(list.path("tag_web").path("hosts").get(0).asText())
        .isEqualTo("web-1.tail1234.ts.net");
    assertThat(
            list.path("_meta")
                .path("hostvars")
                .path("db-1.tail1234.ts.net")
                .path("tailscale_online")
                .asBoolean(true))
        .isFalse();
  }

  @Test
  void ansiblePlaybookAcceptsTheReposSiteYml() throws Exception {
    ExternalTool.require("ansible-playbook", "ansible-core");
    Path repo = Path.of("").toAbsolutePath();
    RunningProcess.Result r =
        run(
            repo.resolve("ansible"),
            Map.of("ANSIBLE_CONFIG", out.resolve("ansible.cfg").toString()),
            "ansible-playbook",
            "--syntax-check",
            "-i",
            repo.resolve("inventory/static.ini").toString(),
            "site.yml");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("playbook: site.yml");
  }
}
