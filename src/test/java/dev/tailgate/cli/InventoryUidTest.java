package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.localpeer.LocalPeers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tailgate inventory} judges the peers for the uid that runs it, the one ansible's ssh
 * connects through the relay as, so that a rule ending in {@code from uid} lists its hosts for that
 * user and for no one else; {@code --uid} judges for another.
 */
class InventoryUidTest {
  private static final Path STATUS =
      Path.of("src/test/resources/localapi/status-running.json").toAbsolutePath();
  private static final String WEB = "web-1.tail1234.ts.net";

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @TempDir Path dir;

  @Test
  void listsAHostARuleAdmitsForTheUidRunningIt() throws Exception {
    int me = LocalPeers.ownUid().orElseThrow();
    Path config = config(WEB + ":22 from uid " + me);

    assertThat(run("inventory", "--list", "--config", config.toString())).isZero();

    assertThat(hosts()).containsExactly(WEB);
  }

  @Test
  void leavesItOutForAnotherUid() throws Exception {
    int me = LocalPeers.ownUid().orElseThrow();
    Path config = config(WEB + ":22 from uid " + me);

    assertThat(
            run(
                "inventory",
                "--list",
                "--uid",
                String.valueOf(me + 1),
                "--config",
                config.toString()))
        .isZero();

    assertThat(hosts()).isEmpty();
  }

  @Test
  void refusesANegativeUidInOneLine() throws Exception {
    Path config = config(WEB + ":22");

    assertThat(run("inventory", "--list", "--uid", "-1", "--config", config.toString()))
        .isEqualTo(ExitCodes.USAGE);

    assertThat(err.toString()).contains("--uid wants a uid, 0 or more (got -1)");
  }

  private Path config(String rule) throws Exception {
    Path config = dir.resolve("tailgate.yaml");
    Files.writeString(config, "allow:\n  - \"" + rule + "\"\n");
    return config;
  }

  private java.util.List<String> hosts() throws Exception {
    JsonNode doc = new ObjectMapper().readTree(out.toString());
    java.util.List<String> hosts = new java.util.ArrayList<>();
    doc.path("tailnet").path("hosts").forEach(h -> hosts.add(h.asText()));
    return hosts;
  }

  private int run(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--status-json";
    all[args.length + 1] = STATUS.toString();
    CommandLine cmd = TailgateCommand.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    return cmd.execute(all);
  }
}
