package dev.tailgate.ansible;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedBlocksTest {
  private static final ProxyCommand PROXY = ProxyCommand.nc("127.0.0.1:1080");
  private static final ProxyCommand OTHER = ProxyCommand.nc("127.0.0.1:1081");

  @Test
  void aFreshFileMergedWithItselfIsUnchanged() throws Exception {
    for (ManagedFile f : Templates.all(PROXY, Fixtures.tailnet())) {
      assertThat(ManagedBlocks.merge(f.fresh(), f)).as(f.path()).isEqualTo(f.fresh());
    }
  }

  @Test
  void keepsTheUsersLinesAndReplacesOnlyTheBlock() throws Exception {
    ManagedFile before = Templates.sshConfig(PROXY, "tail1234.ts.net", Fixtures.STRICT);
    String edited =
        "Host bastion\n    User admin\n\n"
            + before.fresh().replace("    ProxyCommand", "    User me\n    ProxyCommand")
            + "\nHost *\n    ServerAliveInterval 30\n";

    String merged =
        ManagedBlocks.merge(edited, Templates.sshConfig(OTHER, "tail1234.ts.net", Fixtures.STRICT));

    assertThat(merged)
        .startsWith("Host bastion\n    User admin\n\n")
        .endsWith("\nHost *\n    ServerAliveInterval 30\n")
        .contains("nc -X 5 -x 127.0.0.1:1081 %h %p")
        .doesNotContain("127.0.0.1:1080")
        .doesNotContain("User me"); // inside the block: replaced
  }

  @Test
  void keepsUserSettingsInsideAnIniSection() throws Exception {
    ManagedFile cfg = Templates.ansibleCfg("../inventory/");
    String edited = cfg.fresh().replace("\n[ssh_connection]", "forks = 20\n\n[ssh_connection]");

    String merged = ManagedBlocks.merge(edited, Templates.ansibleCfg("inventories/"));

    assertThat(merged)
        .contains(
            "inventory = inventories/\nplaybook_dir = .\nhost_key_checking = True\n"
                + "# END tailgate managed: defaults\nforks = 20\n");
  }

  @Test
  void putsBackABlockWhoseMarkersWereRemovedWithItsSection() throws Exception {
    String userOnly = "[defaults]\nforks = 20\n";

    String merged = ManagedBlocks.merge(userOnly, Templates.ansibleCfg("../inventory/"));

    assertThat(merged)
        .startsWith(userOnly)
        .contains("\n[ssh_connection]\n# BEGIN tailgate managed: ssh_connection\n");
  }

  @Test
  void refusesUnpairedOrForeignMarkers() {
    ManagedFile f = Templates.groupVars(PROXY, Fixtures.STRICT);
    assertThatThrownBy(() -> ManagedBlocks.merge("# BEGIN tailgate managed\nx: 1\n", f))
        .hasMessageContaining("never ends");
    assertThatThrownBy(() -> ManagedBlocks.merge("# END tailgate managed\n", f))
        .hasMessageContaining("never began");
    assertThatThrownBy(
            () ->
                ManagedBlocks.merge(
                    "# BEGIN tailgate managed: other\n# END tailgate managed: other\n", f))
        .hasMessageContaining("does not write");
  }

  @Test
  void aRerunLeavesEveryFileAndItsTimeAlone(@TempDir Path dir) throws Exception {
    List<ManagedFile> files = Templates.all(PROXY, Fixtures.tailnet());
    assertThat(GeneratedFiles.write(dir, files))
        .extracting(GeneratedFiles.Result::outcome)
        .containsOnly(GeneratedFiles.Outcome.CREATED);
    Path cfg = dir.resolve("ansible.cfg");
    Files.setLastModifiedTime(cfg, FileTime.fromMillis(1_000_000));

    assertThat(GeneratedFiles.write(dir, files))
        .extracting(GeneratedFiles.Result::outcome)
        .containsOnly(GeneratedFiles.Outcome.UNCHANGED);
    assertThat(Files.getLastModifiedTime(cfg).toMillis()).isEqualTo(1_000_000);

    assertThat(GeneratedFiles.write(dir, Templates.all(OTHER, Fixtures.tailnet())))
        .extracting(r -> dir.relativize(r.path()).toString() + " " + r.outcome())
        .containsExactly(
            "ansible.cfg UNCHANGED",
            "group_vars/all/tailgate.yml UPDATED",
            "ssh_config UPDATED",
            "known_hosts UNCHANGED",
            "tailgate.tailnet.yml UNCHANGED");
  }
}
