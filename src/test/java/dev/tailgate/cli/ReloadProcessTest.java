package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.SocksClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tailgate up} reloading its allowlist and limits as a user would make it: by saving the
 * config file, by {@code tailgate reload} (SIGHUP), with a broken file, and with tunnels open.
 */
class ReloadProcessTest {
  private static final int DENIED = 0x02;

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private EchoServer a;
  private EchoServer b;
  private CliProcess cli;
  private Path config;
  private CliProcess.Running up;

  @BeforeEach
  void setUp() throws IOException {
    a = new EchoServer();
    open.add(a);
    b = new EchoServer();
    open.add(b);
    cli = new CliProcess(Map.of("TAILGATE_RUN_DIR", dir.resolve("run").toString()));
    config = dir.resolve("tailgate.yaml");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (up != null) {
      up.process().destroy();
      assertThat(up.process().waitFor(10, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private String yaml(String extra, String... rules) {
    StringBuilder y =
        new StringBuilder(
            "listen: 127.0.0.1:0\nadmin: off\nupstream: direct\nno-bootstrap: true\n"
                + "log-file: "
                + dir.resolve("connections.log")
                + "\n"
                + extra);
    y.append("allow:\n");
    for (String r : rules) {
      y.append("  - \"").append(r).append("\"\n");
    }
    return y.toString();
  }

  private static String rule(EchoServer echo) {
    return "127.0.0.1:" + echo.port();
  }

  /** Saves the file the way editors do: a new file renamed over the old one. */
  private void save(String text) throws IOException {
    Path tmp = dir.resolve(".tailgate.yaml.swp");
    Files.writeString(tmp, text);
    Files.move(tmp, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private int request(EchoServer echo) throws IOException {
    return SocksClient.reply(
        new InetSocketAddress("127.0.0.1", up.port()), "127.0.0.1", echo.port());
  }

  private Socket tunnel(EchoServer echo) throws IOException {
    Socket s =
        SocksClient.tunnel(new InetSocketAddress("127.0.0.1", up.port()), "127.0.0.1", echo.port());
    open.add(s);
    return s;
  }

  private static void assertEchoes(Socket s, String text) throws IOException {
    assertThat(SocksClient.echo(s, text)).isEqualTo(text);
  }

  private void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("within 10 s: " + what + "; tailgate said:\n" + up.after());
      }
      Thread.sleep(50);
    }
  }

  @Test
  void savingTheFileReloadsTheAllowlistAndEstablishedTunnelsStayUp() throws Exception {
    Files.writeString(config, yaml("", rule(a)));
    up = cli.start(List.of("up", "--config", config.toString()));
    Socket toA = tunnel(a);
    assertThat(request(b)).isEqualTo(DENIED);

    save(yaml("", rule(b)));

    await("the reload line", () -> up.after().toString().contains("reload (file change)"));
    assertThat(up.after().toString())
        .contains("reload (file change): 1 allow rule(s) (+1 -1); limits unchanged");
    assertThat(request(b)).isZero();
    assertThat(request(a)).isEqualTo(DENIED);
    assertEchoes(toA, "the tunnel opened before the reload still relays");
  }

  @Test
  void aBrokenFileIsRejectedWholeAndTheRunningPolicyStays() throws Exception {
    Files.writeString(config, yaml("", rule(a)));
    up = cli.start(List.of("up", "--config", config.toString()));

    // One good new rule and one bad one: nothing of it may take effect.
    Files.writeString(config, yaml("", rule(b), "db1.example.ts.net:99999"));
    CliProcess.Result reload = cli.run(List.of("reload"));

    assertThat(reload.exitCode()).isEqualTo(ExitCodes.CONFIG);
    assertThat(reload.output().strip())
        .startsWith("tailgate: reload rejected, the running policy stays: " + config + ":")
        .contains("99999")
        .doesNotContain("\n");
    assertThat(request(a)).isZero();
    assertThat(request(b)).isEqualTo(DENIED);
    assertThat(up.process().isAlive()).isTrue();

    save(yaml("max-connections: 50\nclose-denied-on-reload: true\n", rule(b)));
    await("a good reload", () -> requestOrMinusOne(b) == 0);
    CliProcess.Result again = cli.run(List.of("reload"));
    assertThat(again.exitCode()).as(again.output()).isEqualTo(ExitCodes.OK);
    assertThat(again.output())
        .contains("1 allow rule(s) (unchanged)")
        .contains("closed 0 established connection(s)");
    assertThat(up.after().toString()).contains("max-connections 10000 -> 50");
  }

  @Test
  void sighupWithoutAConfigFileKeepsTheFlagsAndSaysSo() throws Exception {
    up = cli.start(CliProcess.upDirect("off", dir.resolve("connections.log"), "--allow", rule(a)));

    CliProcess.Result reload = cli.run(List.of("reload"));

    assertThat(reload.exitCode()).as(reload.output()).isEqualTo(ExitCodes.OK);
    assertThat(reload.output())
        .contains("reload: 1 allow rule(s) (unchanged), from --allow flags, which a reload keeps");
    assertThat(request(a)).as("still serving after SIGHUP").isZero();
    CliProcess.Result status = cli.run(List.of("status", "--json"));
    assertThat(status.output()).contains("\"last_reload\"").contains("\"trigger\" : \"SIGHUP\"");
  }

  @Test
  void reloadWithNothingRunningSaysSoWithExitCode6() throws Exception {
    CliProcess.Result reload = cli.run(List.of("reload"));

    assertThat(reload.exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);
    assertThat(reload.output()).contains("no tailgate is running");
  }

  private int requestOrMinusOne(EchoServer echo) {
    try {
      return request(echo);
    } catch (IOException e) {
      return -1;
    }
  }
}
