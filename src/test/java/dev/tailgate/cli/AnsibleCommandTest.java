package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.ansible.KnownHosts;
import dev.tailgate.ansible.ProxyCommand;
import dev.tailgate.ansible.Templates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tailgate ansible} in-process: options, reruns, errors, and the repo's own files. */
class AnsibleCommandTest {
  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = TailgateCommand.commandLine();
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  private String[] args(String... more) {
    String[] base = {
      "ansible",
      "--out",
      dir.resolve("out").toString(),
      "--socket",
      dir.resolve("no-tailscaled.sock").toString(),
      "--tailgate",
      "/opt/tailgate/scripts/tailgate"
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void writesTheThreeFilesThenChangesNothingOnARerun() throws Exception {
    assertThat(run(args("--magic-dns-suffix", "tail1234.ts.net"))).isEqualTo(ExitCodes.OK);
    assertThat(err.toString()).contains("created").doesNotContain("unchanged");
    Path out = dir.resolve("out");
    assertThat(out.resolve("ssh_config"))
        .content()
        .contains("Host *.tail1234.ts.net 100.64.*")
        .contains(
            "ProxyCommand /opt/tailgate/scripts/tailgate connect --proxy 127.0.0.1:1080 %h %p");

    err.getBuffer().setLength(0);
    assertThat(run(args("--magic-dns-suffix", ".TAIL1234.ts.net."))).isEqualTo(ExitCodes.OK);
    assertThat(err.toString().lines().filter(l -> !l.contains("known_hosts left as it is")))
        .hasSize(4)
        .allMatch(l -> l.contains("unchanged"));
  }

  @Test
  void takesTheRelayAddressFromTheConfigAndLetsConnectStartTheRelayFromIt() throws Exception {
    Path config = dir.resolve("tailgate.yaml");
    Files.writeString(config, "listen: 127.0.0.1:1099\nupstream: direct\n");

    assertThat(run(args("--magic-dns-suffix", "tail1234.ts.net", "--config", config.toString())))
        .isEqualTo(ExitCodes.OK);

    assertThat(dir.resolve("out/group_vars/all/tailgate.yml"))
        .content()
        .contains(
            "connect --proxy 127.0.0.1:1099 --start --config "
                + config.toAbsolutePath()
                + " --tag ''{{ tailgate_client_tag }}'' %h %p");
  }

  @Test
  void sendsTheConnectHelperThroughTheRelaysUnixSocketWhenItHasOne() throws Exception {
    Path config = dir.resolve("tailgate.yaml");
    Files.writeString(
        config,
        "listen: 127.0.0.1:1099\nlisten-unix: /run/tailgate/relay.sock\nupstream: direct\n");

    assertThat(run(args("--magic-dns-suffix", "tail1234.ts.net", "--config", config.toString())))
        .isEqualTo(ExitCodes.OK);

    assertThat(dir.resolve("out/ssh_config"))
        .content()
        .contains("connect --proxy /run/tailgate/relay.sock --start --config ");
    assertThat(err.toString())
        .contains(
            "tailgate: ssh connects through the relay's Unix socket /run/tailgate/relay.sock");
    // nc has no Unix-socket proxy: it keeps the TCP listener.
    assertThat(
            run(
                args(
                    "--magic-dns-suffix",
                    "tail1234.ts.net",
                    "--config",
                    config.toString(),
                    "--proxy-command",
                    "nc")))
        .isEqualTo(ExitCodes.OK);
    assertThat(dir.resolve("out/ssh_config"))
        .content()
        .contains("    ProxyCommand nc -X 5 -x 127.0.0.1:1099 %h %p\n");
  }

  @Test
  void namesTheCredentialsFileInTheProxyCommandAndRefusesItForNc() throws Exception {
    Path secret = dir.resolve("relay password");

    assertThat(
            run(args("--magic-dns-suffix", "tail1234.ts.net", "--credentials", secret.toString())))
        .isEqualTo(ExitCodes.OK);
    assertThat(dir.resolve("out/ssh_config"))
        .content()
        .contains(
            "connect --proxy 127.0.0.1:1080 --credentials '" + secret.toAbsolutePath() + "' %h %p");

    err.getBuffer().setLength(0);
    assertThat(
            run(
                args(
                    "--magic-dns-suffix",
                    "tail1234.ts.net",
                    "--proxy-command",
                    "nc",
                    "--credentials",
                    secret.toString())))
        .isEqualTo(ExitCodes.CONFIG);
    assertThat(err.toString())
        .contains("--credentials: only the connect helper sends a password; nc cannot");
  }

  @Test
  void picksTheNcHelper() throws Exception {
    assertThat(run(args("--magic-dns-suffix", "tail1234.ts.net", "--proxy-command", "nc")))
        .isEqualTo(ExitCodes.OK);
    assertThat(dir.resolve("out/ssh_config"))
        .content()
        .contains("    ProxyCommand nc -X 5 -x 127.0.0.1:1080 %h %p\n");
  }

  @Test
  void withoutTailscaledOrASuffixSaysWhatToPass() {
    assertThat(run(args())).isEqualTo(ExitCodes.CONFIG);
    // The first line (another test may have left the static --debug on, which adds a trace).
    assertThat(err.toString().lines().findFirst().orElse(""))
        .startsWith("tailgate: cannot learn the MagicDNS suffix: no tailscaled LocalAPI socket at")
        .endsWith("pass --magic-dns-suffix (e.g. tail1234.ts.net)");
  }

  @Test
  void anUnknownHelperIsABadSetting() {
    assertThat(run(args("--magic-dns-suffix", "x.ts.net", "--proxy-command", "socat")))
        .isEqualTo(ExitCodes.CONFIG);
    assertThat(err.toString()).contains("expected connect, nc or tailscale-nc");
  }

  @Test
  void theReposAnsibleCfgAndGroupVarsAreAsGenerated() throws Exception {
    // scripts/tailgate ansible --tailgate tailgate --magic-dns-suffix example.ts.net, with
    // known_hosts named relative to ansible/, where the README runs Ansible
    assertThat(Path.of("ansible/ansible.cfg"))
        .hasContent(Templates.ansibleCfg("../inventory/").fresh());
    assertThat(Path.of("ansible/group_vars/all/tailgate.yml"))
        .hasContent(
            Templates.groupVars(
                    ProxyCommand.connect("tailgate", "127.0.0.1:1080", null),
                    new KnownHosts.Policy(KnownHosts.FILE, KnownHosts.Checking.STRICT))
                .fresh());
    assertThat(Path.of("inventory/tailnet")).isExecutable();
  }
}
