package dev.tailgate.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.testing.Golden;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every generated file against its golden copy in src/test/resources/golden/. */
class TemplatesGoldenTest {
  private static final ProxyCommand CONNECT =
      ProxyCommand.connect("/opt/tailgate/scripts/tailgate", "127.0.0.1:1080", null);

  @Test
  void ansibleCfg() throws Exception {
    Golden.assertMatches("ansible.cfg", Templates.ansibleCfg("../inventory/").fresh());
  }

  @Test
  void groupVarsWithTailgateConnect() throws Exception {
    Golden.assertMatches(
        "group_vars-connect.yml", Templates.groupVars(CONNECT, Fixtures.STRICT).fresh());
  }

  @Test
  void groupVarsWithConnectStartingTheRelayFromAConfigWithSpacesInItsPath() throws Exception {
    ProxyCommand proxy =
        ProxyCommand.connect("tailgate", "127.0.0.1:1080", "/home/me/my tailgate's.yaml");
    Golden.assertMatches(
        "group_vars-connect-start.yml", Templates.groupVars(proxy, Fixtures.STRICT).fresh());
  }

  @Test
  void groupVarsWithNc() throws Exception {
    Golden.assertMatches(
        "group_vars-nc.yml",
        Templates.groupVars(ProxyCommand.nc("127.0.0.1:1080"), Fixtures.STRICT).fresh());
  }

  @Test
  void groupVarsWithTailscaleNc() throws Exception {
    ProxyCommand proxy =
        ProxyCommand.tailscaleNc("tailscale", "/var/run/tailscale/tailscaled.sock");
    Golden.assertMatches(
        "group_vars-tailscale-nc.yml", Templates.groupVars(proxy, Fixtures.STRICT).fresh());
  }

  @Test
  void sshConfig() throws Exception {
    Golden.assertMatches(
        "ssh_config", Templates.sshConfig(CONNECT, "tail1234.ts.net", Fixtures.STRICT).fresh());
  }

  @Test
  void sshConfigAndGroupVarsTrustingNewHostsWithKnownHostsInADirectoryWithASpace()
      throws Exception {
    KnownHosts.Policy acceptNew =
        new KnownHosts.Policy("/home/me/my ansible/known_hosts", KnownHosts.Checking.ACCEPT_NEW);
    Golden.assertMatches(
        "ssh_config-accept-new",
        Templates.sshConfig(CONNECT, "tail1234.ts.net", acceptNew).fresh());
    Golden.assertMatches(
        "group_vars-accept-new.yml", Templates.groupVars(CONNECT, acceptNew).fresh());
  }

  @Test
  void knownHostsFromThePeersThatAdvertiseKeysAndNothingAPeerSmugglesIn() throws Exception {
    TailscaleStatus status =
        TailnetPeers.fromFile(Path.of("src/test/resources/localapi/status-ssh-host-keys.json"));
    String text = KnownHosts.file(KnownHosts.lines(status)).fresh();

    Golden.assertMatches("known_hosts", text);
    assertThat(text).doesNotContain("@cert-authority").doesNotContain("alices-macbook-pro");
  }

  @Test
  void thePluginsConfiguration() throws Exception {
    Golden.assertMatches(
        "tailgate.tailnet.yml",
        Templates.pluginConfig("/var/run/tailscale/tailscaled.sock", Fixtures.STRICT.path())
            .fresh());
  }

  @Test
  void quotesAWordWithSpacesAndQuotesForTheShellThenForShlexThenForYaml() {
    ProxyCommand proxy = ProxyCommand.connect("/opt/my tools/tailgate", "127.0.0.1:1080", null);
    assertThat(proxy.line())
        .isEqualTo("'/opt/my tools/tailgate' connect --proxy 127.0.0.1:1080 %h %p");
    ProxyCommand quote = ProxyCommand.connect("/opt/it's/tailgate", "127.0.0.1:1080", null);
    assertThat(quote.line()).startsWith("'/opt/it'\\''s/tailgate' connect");
    assertThat(quote.asSshArguments())
        .isEqualTo(
            "-o ProxyCommand=\"'/opt/it'\\\\''s/tailgate' connect --proxy 127.0.0.1:1080 --tag '"
                + ProxyCommand.ANSIBLE_TAG
                + "' %h %p\"");
  }

  @Test
  void theTailnetPatternsCoverExactly100_64Slash10() {
    assertThat(TailnetPatterns.of("tail1234.ts.net"))
        .startsWith("*.tail1234.ts.net", "100.64.*")
        .contains("100.7?.*", "100.10?.*", "100.11?.*", "100.127.*", "fd7a:115c:a1e0:*")
        .doesNotContain("100.*", "100.12?.*", "100.6?.*");
  }
}
