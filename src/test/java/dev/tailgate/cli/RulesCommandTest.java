package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.audit.JsonLinesLog;
import dev.tailgate.config.ConfigFile;
import dev.tailgate.config.Located;
import dev.tailgate.policy.Allowlist;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tailgate rules suggest} on a connection log as the relay writes it: YAML that loads as the
 * config file's {@code allow}, and rules that admit what the log refused.
 */
class RulesCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = TailgateCommand.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    return cmd.execute(args);
  }

  private static String line(String host, int port, String decision, String rule) {
    return JsonLinesLog.toLine(
        new ConnectionEvent(
            Instant.parse("2026-12-04T19:00:00Z"),
            "abc",
            "127.0.0.1:50000",
            "socks5",
            host,
            port,
            decision,
            rule,
            null,
            "ok",
            0,
            0,
            1,
            "client",
            null,
            null,
            0,
            null));
  }

  private Path log(String... lines) throws Exception {
    Path f = dir.resolve("connections.log");
    Files.writeString(f, String.join("", lines));
    return f;
  }

  /** The printed YAML, read as the config file reads it. */
  private List<String> printedRules() throws Exception {
    Path yaml = dir.resolve("suggested.yaml");
    Files.writeString(yaml, out.toString());
    List<Located> allow = ConfigFile.read(yaml).allow;
    return allow.stream().map(Located::value).toList();
  }

  @Test
  void printsRulesForTheRefusedAndWouldDenyTargetsAsYamlTheConfigReads() throws Exception {
    Path log =
        log(
            line("db1.tail1234.ts.net", 22, "deny", null),
            line("db1.tail1234.ts.net", 5432, "would_deny", null),
            line("web1.tail1234.ts.net", 22, "would_deny", null),
            line("ci.tail1234.ts.net", 22, "deny", null),
            line("ok.tail1234.ts.net", 443, "allow", "ok.tail1234.ts.net:443"),
            line("169.254.169.254", 80, "deny", "builtin:link-local"),
            line("127.0.0.1", 22, "deny", null),
            line("busy.tail1234.ts.net", 22, "deny", "limit:connections"),
            "{\"id\":\"early\",\"target_host\":null,\"target_port\":0,\"decision\":null}\n",
            "not json at all\n",
            "{\"target_host\":\"x" + "y".repeat(RulesCommand.MAX_LINE) + "\"}\n");

    assertThat(run("rules", "suggest", log.toString())).isEqualTo(ExitCodes.OK);

    List<String> rules = printedRules();
    assertThat(rules).containsExactly("*.tail1234.ts.net:22", "db1.tail1234.ts.net:5432");
    assertThat(out.toString())
        .contains("\"*.tail1234.ts.net:22\"  # 3 connection(s), 3 hosts")
        .contains("# tailgate rules suggest: 5 of 10 logged connection(s)");
    assertThat(err.toString())
        .contains("tailgate: skipped 2 malformed log line(s)")
        .contains("left out 1 connection(s) to loopback");
    Allowlist loaded = Allowlist.parse(rules);
    assertThat(loaded.decide("db1.tail1234.ts.net", 5432).allowed()).isTrue();
    assertThat(loaded.decide("ci.tail1234.ts.net", 22).allowed()).isTrue();
    assertThat(loaded.decide("ok.tail1234.ts.net", 443).allowed()).isFalse();
    assertThat(loaded.decide("127.0.0.1", 22).allowed()).isFalse();
  }

  @Test
  void allAlsoTakesTheAllowedTargetsAndMinHostsRaisesTheBar() throws Exception {
    Path log =
        log(
            line("db1.tail1234.ts.net", 22, "deny", null),
            line("web1.tail1234.ts.net", 22, "would_deny", null),
            line("ci.tail1234.ts.net", 22, "deny", null),
            line("ok.tail1234.ts.net", 443, "allow", "ok.tail1234.ts.net:443"));

    assertThat(run("rules", "suggest", "--all", "--min-hosts", "4", log.toString()))
        .isEqualTo(ExitCodes.OK);

    assertThat(printedRules())
        .containsExactlyInAnyOrder(
            "db1.tail1234.ts.net:22",
            "web1.tail1234.ts.net:22",
            "ci.tail1234.ts.net:22",
            "ok.tail1234.ts.net:443");
  }

  @Test
  void anEmptyLogSuggestsNothingAndABadThresholdIsAUsageError() throws Exception {
    assertThat(run("rules", "suggest", log().toString())).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("allow: []");

    assertThat(run("rules", "suggest", "--min-hosts", "1", log().toString()))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(run("rules", "suggest", dir.resolve("missing.log").toString()))
        .isEqualTo(ExitCodes.FAILURE);
    assertThat(err.toString()).contains("missing.log");
  }

  @Test
  void aLineLongerThanTheBoundIsSkippedWholeAndTheNextIsRead() throws Exception {
    RulesCommand.LineReader lines =
        new RulesCommand.LineReader(new StringReader("abcdef\nab\nabcdefgh"), 4);

    assertThat(lines.next()).isEqualTo("ab");
    assertThat(lines.next()).isNull();
    assertThat(lines.tooLong()).isEqualTo(2);
  }

  @Test
  void byTagReadsTheTagsFromThePeerListAndSaysWhereFromAndHowBroad() throws Exception {
    Path status = Path.of("src/test/resources/localapi/status-running.json").toAbsolutePath();
    Path log =
        log(
            line("web-1.tail1234.ts.net", 22, "deny", null),
            line("100.64.0.11", 443, "deny", null), // web-1 by address
            line("db-1.tail1234.ts.net", 5432, "deny", null)); // untagged

    assertThat(
            run("rules", "suggest", "--by-tag", "--status-json", status.toString(), log.toString()))
        .isEqualTo(ExitCodes.OK);

    assertThat(printedRules())
        .containsExactlyInAnyOrder("tag:prod:22,443", "db-1.tail1234.ts.net:5432");
    assertThat(out.toString())
        .contains("# tags from the peer list in " + status + ": ")
        .contains("also those not in this log")
        .contains("\"tag:prod:22,443\"  # 2 connection(s), 2 hosts; also admits 0 other peer(s)");
  }

  @Test
  void byTagWithoutAPeerListSaysSoAndSuggestsByName() throws Exception {
    Path log = log(line("web-1.tail1234.ts.net", 22, "deny", null));

    assertThat(
            run(
                "rules",
                "suggest",
                "--by-tag",
                "--socket",
                dir.resolve("no-tailscaled.sock").toString(),
                log.toString()))
        .isEqualTo(ExitCodes.OK);

    assertThat(printedRules()).containsExactly("web-1.tail1234.ts.net:22");
    assertThat(err.toString()).contains("tailgate: --by-tag: ").contains("rules by name only");
    assertThat(out.toString()).contains("# --by-tag: no peer list (");
  }
}
