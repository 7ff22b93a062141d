package dev.tailgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TailgateConfigTest {
  @TempDir Path dir;

  private Path file(String yaml) throws Exception {
    Path f = dir.resolve("tailgate.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void appliesDefaultsWhenNothingIsGiven() throws Exception {
    TailgateConfig c = TailgateConfig.from(new ConfigValues());

    assertThat(HostPort.format(c.listen())).isEqualTo("127.0.0.1:1080");
    assertThat(c.upstream().toString()).isEqualTo("socks5://127.0.0.1:1055");
    assertThat(c.allow()).isEmpty();
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(c.logFile()).isNull();
    assertThat(c.noBootstrap()).isFalse();
  }

  @Test
  void readsEveryKeyFromTheFile() throws Exception {
    Path f =
        file(
            """
            listen: 127.0.0.1:2080
            upstream: direct
            no-bootstrap: true
            allow:
              - "*.example.ts.net:22"
              - tailnet:443
            log-file: /tmp/conn.log
            idle-timeout: 5m
            """);

    TailgateConfig c = TailgateConfig.from(ConfigFile.read(f));

    assertThat(c.listen().getPort()).isEqualTo(2080);
    assertThat(c.upstream().isDirect()).isTrue();
    assertThat(c.noBootstrap()).isTrue();
    assertThat(c.rules()).containsExactly("*.example.ts.net:22", "tailnet:443");
    assertThat(c.allow().get(1).where()).isEqualTo(f + ":6");
    assertThat(c.logFile()).isEqualTo(Path.of("/tmp/conn.log"));
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void flagsWinOverTheFile() throws Exception {
    ConfigValues fromFile =
        ConfigFile.read(file("listen: 127.0.0.1:2080\nallow: [\"a.example:22\"]\n"));
    ConfigValues flags = new ConfigValues();
    flags.listen = "127.0.0.1:3080";
    flags.allow = List.of(new Located("b.example:22", "--allow", 0));

    TailgateConfig c = TailgateConfig.from(fromFile.overlaidWith(flags));

    assertThat(c.listen().getPort()).isEqualTo(3080);
    assertThat(c.rules()).containsExactly("b.example:22");
  }

  @Test
  void namesFileAndLineOfAnUnknownKey() throws Exception {
    Path f = file("listen: 127.0.0.1:1080\nlisten-port: 9\n");

    assertThatThrownBy(() -> ConfigFile.read(f))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(f + ":2: unknown key 'listen-port'")
        .hasMessageNotContaining("\n");
  }

  @Test
  void refusesAKeyGivenTwiceRatherThanLetTheLastOneWin() throws Exception {
    Path f = file("allow:\n  - db1:22\nlisten: 127.0.0.1:1080\nallow:\n  - \"*:*\"\n");

    assertThatThrownBy(() -> ConfigFile.read(f))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(f + ":4: ")
        .hasMessageContaining("Duplicate field 'allow'")
        .hasMessageNotContaining("\n");
  }

  @Test
  void readsTheReloadSettings() throws Exception {
    Path f =
        file(
            "max-waiting: 7\nclose-denied-on-reload: true\nupstream: direct\nno-bootstrap: true\n");

    TailgateConfig c = TailgateConfig.from(ConfigFile.read(f));

    assertThat(c.maxWaiting()).isEqualTo(7);
    assertThat(c.closeDeniedOnReload()).isTrue();
    assertThat(TailgateConfig.from(new ConfigValues()).maxWaiting()).isEqualTo(1000);
  }

  @Test
  void readsTheAllowlistModeEnforceByDefault() throws Exception {
    Path f = file("allowlist-mode: report\nupstream: direct\nno-bootstrap: true\n");

    assertThat(TailgateConfig.from(ConfigFile.read(f)).allowlistMode())
        .isEqualTo(dev.tailgate.policy.Allowlist.Mode.REPORT);
    assertThat(TailgateConfig.from(new ConfigValues()).allowlistMode())
        .isEqualTo(dev.tailgate.policy.Allowlist.Mode.ENFORCE);
    Path bad = file("allowlist-mode: dry-run\n");
    assertThatThrownBy(() -> TailgateConfig.from(ConfigFile.read(bad)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            bad + ":1: allowlist-mode: 'dry-run' is not a mode: expected enforce or report");
  }

  @Test
  void namesFileAndLineOfABadRule() throws Exception {
    Path f = file("allow:\n  - db1:22\n  - db2:99999\n");

    assertThatThrownBy(() -> TailgateConfig.from(ConfigFile.read(f)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(f + ":3: ")
        .hasMessageContaining("db2:99999")
        .hasMessageNotContaining("\n");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "listen: 127.0.0.1:r080|1|listen: port 'r080' is not a number",
        "max-connections: 0|2|max-connections: 0 is out of range",
        "auth-key: tskey-auth-abc123|3|auth-key: ",
        "idle-timeout: 5 weeks|4|idle-timeout: ",
        "hostname: -bad|5|hostname: '-bad' is not a host name",
        "admin: 0.0.0.0:1081|6|admin: refusing to serve",
        "login-server: ftp://x|7|login-server: expected an http",
        "advertise-tags: 'tag:ok,prod'|8|advertise-tags: 'prod' is not an ACL tag",
      })
  void namesFileAndLineOfEveryBadValue(String line, int lineNr, String problem) throws Exception {
    String[] lines = {"# settings", "", "", "", "", "", "", "", ""};
    lines[lineNr - 1] = line;
    Path f = file(String.join("\n", lines) + "\nupstream: direct\nno-bootstrap: true\n");

    assertThatThrownBy(() -> TailgateConfig.from(ConfigFile.read(f)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(f + ":" + lineNr + ": " + problem)
        .hasMessageNotContaining("\n")
        .hasMessageNotContaining("tskey-auth-abc123");
  }

  @Test
  void namesTheFlagWhenAFlagOverTheFileIsBad() throws Exception {
    Path f = file("listen: 127.0.0.1:1080\nupstream: direct\nno-bootstrap: true\n");
    ConfigValues flags = new ConfigValues();
    flags.listen = "127.0.0.1:99999";

    assertThatThrownBy(() -> TailgateConfig.from(ConfigFile.read(f).overlaidWith(flags)))
        .hasMessageStartingWith("--listen: port 99999 is out of range");
  }

  @Test
  void namesTheFlagOfABadRule() {
    ConfigValues flags = new ConfigValues();
    flags.allow = List.of(new Located("db:1-", "--allow", 0));

    assertThatThrownBy(() -> TailgateConfig.from(flags))
        .hasMessageStartingWith("--allow: ")
        .hasMessageContaining("db:1-");
  }

  @Test
  void reportsYamlSyntaxErrorsWithTheirLine() throws Exception {
    Path f = file("listen: 127.0.0.1:1080\nallow: [unclosed\n");

    assertThatThrownBy(() -> ConfigFile.read(f))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(f.toString() + ":")
        .hasMessageNotContaining("\n");
  }

  @Test
  void reportsAListWhereAStringBelongs() throws Exception {
    Path f = file("listen:\n  - a\n");

    assertThatThrownBy(() -> ConfigFile.read(f)).hasMessageStartingWith(f + ":");
  }

  @Test
  void refusesANonLoopbackListenerWithoutAuthentication() {
    ConfigValues v = new ConfigValues();
    v.listen = "0.0.0.0:1080";

    assertThatThrownBy(() -> TailgateConfig.from(v))
        .hasMessageContaining("refusing to serve 0.0.0.0:1080 without authentication");
  }

  @Test
  void acceptsANonLoopbackListenerWithAuthentication() throws Exception {
    ConfigValues v = new ConfigValues();
    v.listen = "0.0.0.0:1080";
    v.authFile = "/etc/tailgate/users";

    assertThat(TailgateConfig.from(v).authFile()).isEqualTo(Path.of("/etc/tailgate/users"));
  }

  /** Two gateways of one user, each with its own --state-dir, must not share tailscaled's log. */
  @Test
  void putsTailscaledsLogWithTheStateItServes() throws Exception {
    Path home = TailgateConfig.stateHome();
    assertThat(TailgateConfig.from(new ConfigValues()).daemon().log())
        .isEqualTo(home.resolve("tailscaled.log"));
    ConfigValues other = new ConfigValues();
    other.stateDir = "/srv/gw2/tailscaled";
    assertThat(TailgateConfig.from(other).daemon().log())
        .isEqualTo(Path.of("/srv/gw2/tailscaled.log"));
    ConfigValues elsewhere = new ConfigValues();
    elsewhere.stateDir = "/srv/gw3/state";
    assertThat(TailgateConfig.from(elsewhere).daemon().log())
        .isEqualTo(Path.of("/srv/gw3/state/tailscaled.log"));
    elsewhere.tailscaledLog = "/var/log/ts.log";
    assertThat(TailgateConfig.from(elsewhere).daemon().log()).isEqualTo(Path.of("/var/log/ts.log"));
  }

  @Test
  void readsATildeAsTheHomeDirectory() throws Exception {
    ConfigValues v = new ConfigValues();
    v.noBootstrap = false;
    v.stateDir = "~/.local/state/tg";
    v.logFile = "~/conn.log";

    TailgateConfig c = TailgateConfig.from(v);

    Path home = Path.of(System.getProperty("user.home"));
    assertThat(c.daemon().stateDir()).isEqualTo(home.resolve(".local/state/tg"));
    assertThat(c.logFile()).isEqualTo(home.resolve("conn.log"));
  }

  @Test
  void refusesDirectUpstreamWhenTailgateManagesTailscaled() {
    ConfigValues v = new ConfigValues();
    v.upstream = "direct";

    assertThatThrownBy(() -> TailgateConfig.from(v)).hasMessageContaining("no-bootstrap");
  }

  @Test
  void reportsAMissingFile() {
    assertThatThrownBy(() -> ConfigFile.read(dir.resolve("nope.yaml")))
        .hasMessageEndingWith("nope.yaml: no such file");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1:1080|127.0.0.1:1080",
        "localhost:0|127.0.0.1:0",
        "[::1]:1080|[0:0:0:0:0:0:0:1]:1080",
      })
  void parsesListenAddresses(String in, String out) throws Exception {
    assertThat(HostPort.format(HostPort.parse(in, "listen"))).isEqualTo(out);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1080|expected HOST:PORT",
        "127.0.0.1:http|is not a number",
        "127.0.0.1:70000|out of range",
        "example.com:1080|is not an IP address",
        "::1:1080|in brackets",
      })
  void refusesBadAddressesWithOneLine(String in, String message) {
    assertThatThrownBy(() -> HostPort.parse(in, "--listen"))
        .hasMessageStartingWith("--listen: ")
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"socks5://127.0.0.1:1055|socks5://127.0.0.1:1055", "direct|direct"})
  void parsesUpstreams(String in, String out) throws Exception {
    assertThat(Upstream.parse(in, "upstream").toString()).isEqualTo(out);
  }

  @ParameterizedTest
  @CsvSource({"http://127.0.0.1:1055", "socks5://127.0.0.1:0", "socks4://127.0.0.1:1055"})
  void refusesBadUpstreams(String in) {
    assertThatThrownBy(() -> Upstream.parse(in, "--upstream"))
        .hasMessageStartingWith("--upstream: ");
  }

  @ParameterizedTest
  @CsvSource({"0,PT0S", "500ms,PT0.5S", "30s,PT30S", "5m,PT5M", "2h,PT2H"})
  void parsesDurations(String in, Duration expected) throws Exception {
    assertThat(Durations.parse(in, "idle-timeout")).isEqualTo(expected);
    assertThat(Durations.parse(Durations.format(expected), "x")).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"5", "5d", "-1s", "s", "9999999999s", "200h"})
  void refusesBadDurations(String in) {
    assertThatThrownBy(() -> Durations.parse(in, "--idle-timeout"))
        .hasMessageStartingWith("--idle-timeout: ");
  }

  @Test
  void readsAdvertisedTagsAndEphemeral() throws Exception {
    Path f =
        file("advertise-tags: 'tag:gateway, tag:ci,tag:gateway'\nephemeral: true\nhostname: gw\n");

    TailgateConfig.Daemon d = TailgateConfig.from(ConfigFile.read(f)).daemon();

    assertThat(d.advertiseTags()).containsExactly("tag:gateway", "tag:ci");
    assertThat(d.ephemeral()).isTrue();
    assertThat(TailgateConfig.from(new ConfigValues()).daemon().advertiseTags()).isEmpty();
  }
}
