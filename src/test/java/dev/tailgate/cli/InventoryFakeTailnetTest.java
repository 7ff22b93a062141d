package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.bootstrap.DaemonStopper;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.FakeTailnet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tailgate inventory} against the test double of tailscaled, brought up and logged in by
 * {@code tailgate up}: the peers come from the LocalAPI, and the allowlist of the config file
 * leaves one out.
 */
class InventoryFakeTailnetTest {
  @Test
  void listsThePeersTheAllowlistAdmitsFromTheLocalApi(@TempDir Path dir) throws Exception {
    try (EchoServer echo = new EchoServer()) {
      FakeTailnet tailnet = new FakeTailnet(dir).peer("web", echo.port()).peer("db", echo.port());
      Path config = dir.resolve("tailgate.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "tailscaled: " + tailnet.wrapper("tailscaled"),
              "tailscale: " + tailnet.wrapper("tailscale"),
              "state-dir: " + tailnet.stateDir,
              "socket: " + tailnet.socket,
              "tailscaled-log: " + tailnet.daemonLog,
              "upstream: socks5://127.0.0.1:" + tailnet.socksPort,
              "auth-key: env:TAILGATE_TEST_KEY",
              "listen: 127.0.0.1:0",
              "admin: 'off'",
              "allow:",
              "  - web." + FakeTailnet.SUFFIX + ":22",
              "log-file: " + dir.resolve("connections.log"),
              ""));
      CliProcess cli =
          new CliProcess(
              Map.of(
                  "TAILGATE_TEST_KEY", FakeTailnet.KEY,
                  "TAILGATE_RUN_DIR", dir.resolve("run").toString(),
                  "XDG_STATE_HOME", dir.resolve("xdg").toString()));
      CliProcess.Running up = cli.start(List.of("up", "--config", config.toString()));
      try {
        CliProcess.Result list =
            cli.run(List.of("inventory", "--list", "--config", config.toString()));
        assertThat(list.exitCode()).as(list.output()).isZero();
        JsonNode doc = new ObjectMapper().readTree(list.output());
        assertThat(doc.path("tailnet").path("hosts"))
            .extracting(JsonNode::asText)
            .containsExactly("web." + FakeTailnet.SUFFIX);
        assertThat(doc.path("tag_web").path("hosts").size()).isEqualTo(1);
        JsonNode vars = doc.path("_meta").path("hostvars").path("web." + FakeTailnet.SUFFIX);
        assertThat(vars.path("tailscale_online").asBoolean()).isTrue();
        assertThat(vars.path("tailscale_os").asText()).isEqualTo("linux");
        assertThat(vars.path("tailscale_ips").get(0).asText()).startsWith("100.");

        CliProcess.Result flagged =
            cli.run(
                List.of("inventory", "--list", "--include-denied", "--config", config.toString()));
        assertThat(
                new ObjectMapper().readTree(flagged.output()).path("tailgate_denied").path("hosts"))
            .extracting(JsonNode::asText)
            .containsExactly("db." + FakeTailnet.SUFFIX);

        CliProcess.Result host =
            cli.run(
                List.of(
                    "inventory",
                    "--host",
                    "web." + FakeTailnet.SUFFIX,
                    "--config",
                    config.toString()));
        assertThat(new ObjectMapper().readTree(host.output()).path("ansible_host").asText())
            .isEqualTo("web." + FakeTailnet.SUFFIX);
      } finally {
        up.process().destroy();
        up.process().waitFor();
        DaemonStopper.stop(tailnet.stateDir);
      }
    }
  }
}
