package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.bootstrap.DaemonStopper;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SocksClient;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tailgate up} managing tailscaled (the test double) from the command line: login with an
 * {@code env:} key, {@code status}, {@code down}, and {@code --detach} started twice.
 */
class UpBootstrapProcessTest {
  @TempDir Path dir;

  private EchoServer echo;
  private FakeTailnet tailnet;
  private CliProcess cli;

  @BeforeEach
  void setUp() throws Exception {
    echo = new EchoServer();
    tailnet = new FakeTailnet(dir).peer("web", echo.port());
    cli =
        new CliProcess(
            Map.of(
                "TAILGATE_TEST_KEY", FakeTailnet.KEY,
                "TAILGATE_RUN_DIR", dir.resolve("run-state").toString(),
                "XDG_STATE_HOME", dir.resolve("xdg").toString()));
  }

  @AfterEach
  void tearDown() throws Exception {
    cli.run(List.of("down", "--state-dir", tailnet.stateDir.toString()));
    DaemonStopper.stop(tailnet.stateDir);
    echo.close();
    RunningProcess.killAllUnder(dir);
  }

  private List<String> up(String... more) throws Exception {
    List<String> args = new ArrayList<>(List.of("up"));
    args.addAll(tailnet.upFlags());
    args.addAll(
        List.of(
            "--hostname", "gateway",
            "--allow", "tailnet:*",
            "--admin", "127.0.0.1:0",
            "--log-file", dir.resolve("connections.log").toString()));
    args.addAll(List.of(more));
    return args;
  }

  private static void ping(int port) throws Exception {
    try (Socket s = SocksClient.open(new InetSocketAddress("127.0.0.1", port))) {
      assertThat(SocksClient.connect(s, "web." + FakeTailnet.SUFFIX, 22)).isZero();
      s.getOutputStream().write("ping".getBytes());
      assertThat(s.getInputStream().readNBytes(4)).isEqualTo("ping".getBytes());
    }
  }

  @Test
  void bringsUpTailscaledRelaysReportsAndGoesDown() throws Exception {
    CliProcess.Running up = cli.start(up("--listen", "127.0.0.1:0"));
    try {
      assertThat(up.stderr())
          .contains("logging in with the key from")
          .contains("tailscaled is Running");
      assertThat(up.stderr()).doesNotContain(FakeTailnet.KEY);
      ping(up.port());

      CliProcess.Result status = cli.run(List.of("status", "--json"));
      assertThat(status.exitCode()).isZero();
      assertThat(status.output())
          .contains("\"phase\" : \"running\"")
          .contains("\"restarts\" : 0")
          .contains("\"address\" : \"127.0.0.1:" + up.port() + "\"");
      long daemonPid =
          Long.parseLong(
              Files.readAllLines(tailnet.stateDir.resolve("tailgate-tailscaled.pid")).get(0));
      assertThat(Files.readString(Path.of("/proc/" + daemonPid + "/environ")))
          .as("the env: key is not passed on to tailscaled")
          .doesNotContain(FakeTailnet.KEY);

      Path config = dir.resolve("doctor.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "listen: 127.0.0.1:" + up.port(),
              "admin: 'off'",
              "upstream: socks5://127.0.0.1:" + tailnet.socksPort,
              "tailscaled: " + tailnet.wrapper("tailscaled"),
              "tailscale: " + tailnet.wrapper("tailscale"),
              "state-dir: " + tailnet.stateDir,
              "socket: " + tailnet.socket,
              ""));
      assertThat(cli.run(List.of("doctor", "--config", config.toString())).output())
          .contains("ok    tailscaled refuses inbound tailnet connections (shields up)")
          .contains("tailscaled answers on " + tailnet.socket + ": Running");

      CliProcess.Result down = cli.run(List.of("down"));
      assertThat(down.exitCode()).isZero();
      assertThat(down.output())
          .contains("stopped the relay")
          .contains("stopped tailscaled (pid " + daemonPid + ")");
      assertThat(up.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(ProcessHandle.of(daemonPid)).isEmpty();
      assertThat(cli.run(List.of("status")).exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);
    } finally {
      up.process().destroyForcibly();
    }
  }

  /** Decision record 0010: a plain `up` line reaches tailscaled's spawn without picocli. */
  @Test
  void aPlainUpLineSpawnsTailscaledWithoutLoadingPicocli() throws Exception {
    Path classes = dir.resolve("classes.txt");
    CliProcess logged =
        new CliProcess(
            Map.of(
                "TAILGATE_TEST_KEY",
                FakeTailnet.KEY,
                "TAILGATE_RUN_DIR",
                dir.resolve("run-state").toString(),
                "XDG_STATE_HOME",
                dir.resolve("xdg").toString(),
                "JAVA_TOOL_OPTIONS",
                "-Xlog:class+load=info:file=" + classes));
    CliProcess.Running up = logged.start(up("--listen", "127.0.0.1:0"));
    try {
      ping(up.port());
    } finally {
      up.process().destroy();
      up.process().waitFor(10, TimeUnit.SECONDS);
    }
    List<String> loaded = Files.readAllLines(classes);
    int spawn = -1;
    for (int i = 0; i < loaded.size() && spawn < 0; i++) {
      if (loaded.get(i).contains(" java.lang.ProcessImpl ")) {
        spawn = i;
      }
    }
    assertThat(spawn).as("the line that loads java.lang.ProcessImpl").isPositive();
    assertThat(loaded.subList(0, spawn)).anyMatch(l -> l.contains(" dev.tailgate.cli.QuickUp "));
    assertThat(loaded.subList(0, spawn)).noneMatch(l -> l.contains(" picocli."));
    assertThat(loaded).noneMatch(l -> l.contains(" picocli.CommandLine$Model"));
  }

  @Test
  void detachReturnsOnceReadyAndASecondDetachFindsItUp() throws Exception {
    CliProcess.Result first = cli.run(up("--listen", "127.0.0.1:0", "--detach"));
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(first.output()).contains("up in the background");

    CliProcess.Result second = cli.run(up("--listen", "127.0.0.1:0", "--detach"));
    assertThat(second.exitCode()).as(second.output()).isZero();
    assertThat(second.output()).contains("already up");

    CliProcess.Result status = cli.run(List.of("status"));
    assertThat(status.output()).contains("tailscaled  running");
    int port =
        Integer.parseInt(status.output().replaceAll("(?s).*relay +127\\.0\\.0\\.1:(\\d+).*", "$1"));
    ping(port);
  }

  @Test
  void aMissingTailscaledIsOneLineAndExitCode5() throws Exception {
    List<String> args = up("--listen", "127.0.0.1:0");
    args.set(args.indexOf("--tailscaled") + 1, dir.resolve("nope/tailscaled").toString());

    CliProcess.Result result = cli.run(args);

    assertThat(result.exitCode()).isEqualTo(ExitCodes.BOOTSTRAP);
    assertThat(result.output().strip())
        .startsWith("tailgate: ")
        .contains("nope/tailscaled")
        .doesNotContain("\tat ");
  }
}
