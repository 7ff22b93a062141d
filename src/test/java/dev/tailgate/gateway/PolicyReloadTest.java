package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.web.Metrics;
import dev.tailgate.web.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload puts the whole new policy in force or none of it, and each one, applied or rejected, is
 * said, counted, kept for the status page and followed by a new run-state file.
 */
class PolicyReloadTest {
  @TempDir Path dir;

  private final List<String> said = new ArrayList<>();
  private final AtomicInteger changed = new AtomicInteger();
  private final Metrics metrics = new Metrics();
  private TestRelay testRelay;
  private RelayServer relay;
  private TailgateConfig initial;

  @BeforeEach
  void startRelay() throws Exception {
    initial = Configs.of(Configs.direct(dir, "a.example:22"));
    testRelay = new TestRelay(initial, ConnectionLog.tee());
    relay = testRelay.server;
  }

  @AfterEach
  void stopRelay() {
    testRelay.close();
  }

  private PolicyReload reload(Gateway.Reread reread) {
    return new PolicyReload(
        initial, reread, relay, null, metrics, said::add, changed::incrementAndGet);
  }

  @Test
  void putsTheNewAllowlistAndLimitsInForceAndSaysWhatChanged() throws Exception {
    ConfigValues next = Configs.direct(dir, "b.example:22", "c.example:443");
    next.maxPerClient = 7;
    PolicyReload reload = reload(() -> Configs.of(next));

    reload.run("SIGHUP");

    assertThat(relay.policy().allowlist().rules()).containsExactly("b.example:22", "c.example:443");
    assertThat(relay.policy().limits().perClient()).isEqualTo(7);
    Status.Reload last = reload.last();
    assertThat(last.ok()).isTrue();
    assertThat(last.trigger()).isEqualTo("SIGHUP");
    assertThat(last.message()).contains("2 allow rule(s) (+2 -1)").contains("max-per-client");
    assertThat(said).singleElement().asString().startsWith("reload (SIGHUP): 2 allow rule(s)");
    assertThat(changed).hasValue(1);
    assertThat(metrics.scrape()).containsPattern("tailgate_reloads_total\\{result=\"ok\"} 1");
  }

  @Test
  void aReloadSwitchesTheAllowlistModeAndSaysSo() throws Exception {
    ConfigValues next = Configs.direct(dir, "a.example:22");
    next.allowlistMode = "report";
    PolicyReload reload = reload(() -> Configs.of(next));

    reload.run("SIGHUP");

    assertThat(relay.policy().allowlist().mode()).isEqualTo(Allowlist.Mode.REPORT);
    assertThat(relay.policy().allowlist().decide("b.example", 22).verdict())
        .isEqualTo("would_deny");
    assertThat(reload.last().message()).contains("allowlist-mode enforce -> report");
  }

  @Test
  void aReloadPutsTagAndOsRulesInForceAndRejectsAMalformedTagWhole() throws Exception {
    PolicyReload good = reload(() -> Configs.of(Configs.direct(dir, "tag:prod:22", "os:linux")));

    good.run("SIGHUP");

    assertThat(relay.policy().allowlist().rules()).containsExactly("tag:prod:22", "os:linux");
    // No tailscaled here, so no peer list: the rule matches nothing, and the reason says why.
    assertThat(relay.policy().allowlist().decide("db-1.tail1234.ts.net", 22).reason())
        .endsWith("(tag and os rules match nothing until tailscaled lists its peers)");

    PolicyReload bad =
        reload(() -> Configs.of(Configs.direct(dir, "a.example:22", "tag:1prod:22")));
    bad.run("file change");

    assertThat(relay.policy().allowlist().rules()).containsExactly("tag:prod:22", "os:linux");
    assertThat(bad.last().ok()).isFalse();
    assertThat(bad.last().message()).contains("tag:1prod:22").contains("tag name '1prod'");
  }

  @Test
  void aSettingsErrorChangesNothingAndIsSaidAsRejected() {
    PolicyReload reload =
        reload(
            () -> {
              throw new ConfigException("tailgate.yml:3: allow: 'db:99999' has no valid port");
            });

    reload.run("file change");

    assertThat(relay.policy().allowlist().rules()).containsExactly("a.example:22");
    assertThat(reload.last().ok()).isFalse();
    assertThat(said)
        .containsExactly(
            "reload (file change) rejected, the running policy stays: tailgate.yml:3: allow:"
                + " 'db:99999' has no valid port");
    assertThat(changed).as("the run state shows the rejection too").hasValue(1);
  }

  @Test
  void theNextReloadIsSummarizedAgainstTheLastOneInForce() throws Exception {
    List<TailgateConfig> files =
        new ArrayList<>(
            List.of(
                Configs.of(Configs.direct(dir, "b.example:22")),
                Configs.of(Configs.direct(dir, "b.example:22"))));
    PolicyReload reload = reload(() -> files.remove(0));

    reload.run("SIGHUP");
    reload.run("SIGHUP");

    assertThat(reload.last().message()).startsWith("1 allow rule(s) (unchanged)");
  }

  @Test
  void theAllowlistOfTheSettingsIsTheirRules() throws Exception {
    Allowlist a = PolicyReload.allowlist(Configs.of(Configs.direct(dir, "x.example:1-2")), null);
    assertThat(a.rules()).containsExactly("x.example:1-2");
  }
}
