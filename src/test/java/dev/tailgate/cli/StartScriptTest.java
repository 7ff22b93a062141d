package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.bootstrap.DaemonStopper;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/start.sh, the container's start hook, in the ordinary suite (no Docker needed): started
 * twice, stopped, started after a crash, logged in with a key from the environment, and in the
 * foreground (the sidecar image's entry point).
 */
class StartScriptTest {
  @TempDir Path dir;

  private final Map<String, String> env = new HashMap<>();
  private CliProcess cli;

  @BeforeEach
  void setUp() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    env.put(
        "TAILGATE_CMD",
        java + " -cp " + System.getProperty("java.class.path") + " " + Main.class.getName());
    env.put("TAILGATE_RUN_DIR", dir.resolve("run").toString());
    env.put("XDG_STATE_HOME", dir.resolve("state").toString());
    env.put("TAILGATE_WORKSPACE", dir.toString());
    env.put("TAILGATE_LISTEN", "127.0.0.1:0");
    env.put("TAILGATE_ADMIN", "off");
    env.put("TAILGATE_LOG_FILE", dir.resolve("connections.log").toString());
    cli = new CliProcess(env);
  }

  @AfterEach
  void tearDown() throws Exception {
    cli.run(List.of("down", "--state-dir", dir.resolve("tailscaled").toString()));
    RunningProcess.killAllUnder(dir);
  }

  private RunningProcess.Result start() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("bash", Path.of("scripts/start.sh").toAbsolutePath().toString());
    pb.environment().putAll(env);
    long begin = System.nanoTime();
    RunningProcess.Result r =
        RunningProcess.run(pb.command(), new byte[0], Duration.ofSeconds(60), env);
    assertThat(Duration.ofNanos(System.nanoTime() - begin))
        .as("start.sh returns without waiting for tailgate")
        .isLessThan(Duration.ofSeconds(20));
    return r;
  }

  private long awaitUp() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      CliProcess.Result s = cli.run(List.of("status", "--json"));
      if (s.exitCode() == 0) {
        return Long.parseLong(s.output().replaceAll("(?s)^.*?\"pid\" : (\\d+),.*$", "$1"));
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "tailgate never came up; start log:\n"
            + Files.readString(dir.resolve("state/tailgate/start.log")));
  }

  @Test
  void startsInTheBackgroundOnceAndSaysSoTheSecondTime() throws Exception {
    env.put("TAILGATE_NO_BOOTSTRAP", "1");
    env.put("TAILGATE_UPSTREAM", "direct");
    env.put("TAILGATE_ALLOW", "*.example.ts.net:22 127.0.0.1:22,443");

    RunningProcess.Result first = start();
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(first.output()).contains("starting in the background");
    awaitUp();

    RunningProcess.Result second = start();
    assertThat(second.exitCode()).isZero();
    assertThat(second.output()).contains("already up");
    assertThat(cli.run(List.of("status")).output()).contains("127.0.0.1:");

    assertThat(cli.run(List.of("down")).exitCode()).isZero();
    assertThat(cli.run(List.of("status")).exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);
  }

  @Test
  void startsAgainAfterACrash() throws Exception {
    env.put("TAILGATE_NO_BOOTSTRAP", "1");
    env.put("TAILGATE_UPSTREAM", "direct");
    start();
    long crashed = awaitUp();

    ProcessHandle crash = ProcessHandle.of(crashed).orElseThrow();
    crash.destroyForcibly();
    crash.onExit().join();
    assertThat(cli.run(List.of("status")).exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);

    assertThat(start().output()).contains("starting in the background");
    assertThat(awaitUp()).isNotEqualTo(crashed);
  }

  @Test
  void logsInWithALiteralKeyFromTheEnvironmentKeepingItOutOfArgv() throws Exception {
    FakeTailnet tailnet = new FakeTailnet(Files.createDirectories(dir.resolve("tailnet")));
    env.put("TAILGATE_AUTH_KEY", FakeTailnet.KEY);
    env.put("TAILGATE_TAILSCALED", tailnet.wrapper("tailscaled").toString());
    env.put("TAILGATE_TAILSCALE", tailnet.wrapper("tailscale").toString());
    env.put("TAILGATE_STATE_DIR", tailnet.stateDir.toString());
    env.put("TAILGATE_SOCKET", tailnet.socket.toString());
    env.put("TAILGATE_UPSTREAM", "socks5://127.0.0.1:" + tailnet.socksPort);
    env.put("TAILGATE_HOSTNAME", "devbox");
    try {
      start();
      long pid = awaitUp();

      String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
      assertThat(cmdline)
          .contains("--auth-key env:TAILGATE_AUTH_KEY")
          .doesNotContain(FakeTailnet.KEY);
      assertThat(cli.run(List.of("status")).output()).contains("tailscaled  running");
      assertThat(FakeTailnet.lines(tailnet.cliArgv).get(0)).contains("--hostname=devbox");
    } finally {
      cli.run(List.of("down"));
      DaemonStopper.stop(tailnet.stateDir);
    }
  }

  @Test
  void inTheForegroundItIsTailgateUpItselfAndEndsOnTerm() throws Exception {
    env.put("TAILGATE_NO_BOOTSTRAP", "1");
    env.put("TAILGATE_UPSTREAM", "direct");
    List<String> command = new ArrayList<>(List.of("env"));
    env.forEach((k, v) -> command.add(k + "=" + v));
    command.addAll(
        List.of("bash", Path.of("scripts/start.sh").toAbsolutePath().toString(), "--foreground"));
    try (RunningProcess fg = RunningProcess.start(command, dir.resolve("foreground.log"))) {
      // `env` execs bash, which execs tailgate: the process a container runtime signals.
      assertThat(awaitUp()).isEqualTo(fg.process().pid());
      fg.process().destroy();
      assertThat(fg.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(cli.run(List.of("status")).exitCode()).isEqualTo(ExitCodes.NOT_RUNNING);
    }
  }
}
