package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.ExternalTool;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tailgate connect} as ssh runs it: its own JVM, standard input and output as the tunnel,
 * against a real {@code tailgate up} on loopback.
 */
class ConnectProcessTest {
  @TempDir static Path dir;
  private static EchoServer echo;
  private static CliProcess.Running relay;
  private static Path log;

  @BeforeAll
  static void startRelay() throws Exception {
    echo = new EchoServer();
    log = dir.resolve("connections.log");
    relay =
        new CliProcess(Map.of("TAILGATE_RUN_DIR", dir.resolve("relay-run").toString()))
            .start(CliProcess.upDirect("off", log, "--allow", "127.0.0.1:" + echo.port()));
  }

  @AfterAll
  static void stopRelay() throws Exception {
    relay.process().destroy();
    relay.process().waitFor(10, TimeUnit.SECONDS);
    echo.close();
  }

  /** A finished connect: exit code, standard output bytes, standard error text. */
  record Outcome(int exitCode, byte[] out, String err) {}

  static Outcome connect(
      byte[] stdin, Map<String, String> env, List<String> jvmFlags, String... args)
      throws Exception {
    return connectIn(dir, stdin, env, jvmFlags, args);
  }

  /** As {@link #connect}, with its files in {@code dir}: for other classes' tests. */
  static Outcome connectIn(
      Path dir, byte[] stdin, Map<String, String> env, List<String> jvmFlags, String... args)
      throws Exception {
    Path in = Files.write(Files.createTempFile(dir, "in", ""), stdin);
    Path out = Files.createTempFile(dir, "out", "");
    Path err = Files.createTempFile(dir, "err", "");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.add("connect");
    command.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().put("TAILGATE_RUN_DIR", dir.resolve("no-run-state").toString());
    pb.environment().remove("TAILGATE_PROXY");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("connect ends").isTrue();
    return new Outcome(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
  }

  private static String relayAddress() {
    return "127.0.0.1:" + relay.port();
  }

  @Test
  void carriesBytesBothWaysAndHalfClosesAfterStandardInputEnds() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(data);

    Outcome o =
        connect(
            data, Map.of(), List.of(), "--proxy", relayAddress(), "127.0.0.1", "" + echo.port());

    // The echo server answers everything, then closes when it reads EOF: only a half-close
    // (stdin's EOF passed on while the answer still flows back) gets all bytes home.
    assertThat(o.err()).isEmpty();
    assertThat(o.exitCode()).isEqualTo(ExitCodes.OK);
    assertThat(o.out()).isEqualTo(data);
  }

  @Test
  void aTargetTheAllowlistRefusesIsOneLineAndExitCode7() throws Exception {
    Outcome o =
        connect(
            new byte[0],
            Map.of(),
            List.of(),
            "--proxy",
            relayAddress(),
            "db9.example.ts.net",
            "22");

    assertThat(o.exitCode()).isEqualTo(ExitCodes.DENIED);
    assertThat(o.err())
        .isEqualTo(
            "tailgate connect: cannot reach db9.example.ts.net:22: refused by tailgate's"
                + " allowlist (see its connection log)\n");
    assertThat(o.out()).isEmpty();
    assertThat(Files.readString(log)).contains("\"target_host\":\"db9.example.ts.net\"");
  }

  @Test
  void withStandardErrorOnDevNullTheRefusalReachesSshAsAnIdentificationLine() throws Exception {
    // ssh with ControlPersist (Ansible's default) sends its ProxyCommand's stderr to /dev/null.
    Path in = Files.createTempFile(dir, "in", "");
    Path out = Files.createTempFile(dir, "out", "");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "connect",
                "--proxy",
                relayAddress(),
                "db9.example.ts.net",
                "22")
            .redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(new File("/dev/null"))
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).isEqualTo(ExitCodes.DENIED);
    assertThat(out)
        .hasContent(
            "SSH-tailgate: cannot reach db9.example.ts.net:22: refused by tailgate's allowlist"
                + " (see its connection log)\r\n");
  }

  @Test
  void noRelayIsOneLineAndExitCode9() throws Exception {
    int closed = ExternalTool.freePort();
    Outcome o =
        connect(
            new byte[0], Map.of("TAILGATE_PROXY", "127.0.0.1:" + closed), List.of(), "web", "22");

    assertThat(o.exitCode()).isEqualTo(ExitCodes.NO_RELAY);
    assertThat(o.err().lines()).hasSize(1);
    assertThat(o.err())
        .startsWith("tailgate connect: no relay answered at 127.0.0.1:" + closed)
        .contains("(from TAILGATE_PROXY)");
  }

  @Test
  void findsTheRelayInTheRunStateOfTheRunningTailgate() throws Exception {
    Outcome o =
        connect(
            "hi".getBytes(StandardCharsets.US_ASCII),
            Map.of("TAILGATE_RUN_DIR", dir.resolve("relay-run").toString()),
            List.of(),
            "127.0.0.1",
            "" + echo.port());

    assertThat(o.err()).isEmpty();
    assertThat(new String(o.out(), StandardCharsets.US_ASCII)).isEqualTo("hi");
  }

  @Test
  void helpGoesThroughPicocliAndListsTheOptions() throws Exception {
    Outcome o = connect(new byte[0], Map.of(), List.of(), "--help");

    assertThat(o.exitCode()).isEqualTo(ExitCodes.OK);
    assertThat(new String(o.out(), StandardCharsets.UTF_8))
        .contains("Usage: tailgate connect")
        .contains("--proxy=HOST:PORT")
        .contains("--[no-]start")
        .contains("ProxyCommand='tailgate connect %h %p'");
    assertThat(o.err()).isEmpty();
  }

  @Test
  void aMissingPortIsAUsageErrorFromPicocli() throws Exception {
    Outcome o = connect(new byte[0], Map.of(), List.of(), "web");

    assertThat(o.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(o.err()).contains("Missing required parameter: 'PORT'");
  }

  @Test
  void aBadPortIsAUsageError() throws Exception {
    Outcome o = connect(new byte[0], Map.of(), List.of(), "--proxy", relayAddress(), "web", "0");

    assertThat(o.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(o.err()).startsWith("tailgate connect: expected HOST PORT");
  }

  @Test
  void theConnectPathLoadsNoPicocliNettyJacksonOrLogback() throws Exception {
    Path classes = dir.resolve("classes.txt");
    Outcome o =
        connect(
            "x".getBytes(StandardCharsets.US_ASCII),
            Map.of(),
            List.of("-Xlog:class+load=info:file=" + classes),
            "--proxy",
            relayAddress(),
            "127.0.0.1",
            "" + echo.port());

    assertThat(o.exitCode()).isEqualTo(ExitCodes.OK);
    List<String> loaded = Files.readAllLines(classes);
    assertThat(loaded).anyMatch(l -> l.contains("dev.tailgate.connect.Pipe "));
    assertThat(loaded)
        .noneMatch(
            l ->
                l.contains(" picocli.")
                    || l.contains(" io.netty.")
                    || l.contains(" com.fasterxml.")
                    || l.contains(" ch.qos.")
                    || l.contains(" org.slf4j.")
                    || l.contains(" dev.tailgate.config.")
                    || l.contains(" dev.tailgate.cli.TailgateCommand"));
  }

  @Test
  void startsTheRelayWhenNoneAnswersWithStart() throws Exception {
    ExternalTool.require("setsid", "util-linux");
    int port = ExternalTool.freePort();
    Path config = dir.resolve("start.yaml");
    Files.writeString(
        config,
        "listen: 127.0.0.1:"
            + port
            + "\nadmin: 127.0.0.1:0\nupstream: direct\nno-bootstrap: true\nallow:\n  - \"127.0.0.1:"
            + echo.port()
            + "\"\nlog-file: "
            + dir.resolve("started.log")
            + "\n");
    Map<String, String> env =
        Map.of(
            "TAILGATE_RUN_DIR", dir.resolve("start-run").toString(),
            "XDG_STATE_HOME", dir.resolve("xdg").toString());
    try {
      Outcome o =
          connect(
              "ping".getBytes(StandardCharsets.US_ASCII),
              env,
              List.of(),
              "--proxy",
              "127.0.0.1:" + port,
              "--start",
              "--config",
              config.toString(),
              "127.0.0.1",
              "" + echo.port());

      assertThat(o.err()).contains("no relay answered; starting one");
      assertThat(o.exitCode()).as(o.err()).isEqualTo(ExitCodes.OK);
      assertThat(new String(o.out(), StandardCharsets.US_ASCII)).isEqualTo("ping");
    } finally {
      new CliProcess(env).run(List.of("down", "--keep-tailscaled"));
    }
    assertThat(new File(dir.resolve("start-run/status.json").toString())).doesNotExist();
  }

  @Test
  void sendsTheUsernameAndPasswordFromItsFileToARelayThatWantsThem() throws Exception {
    Path users = Files.writeString(dir.resolve("users"), "alice:s3cret-pass\nbob:other\n");
    Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-------"));
    Path mine =
        Files.writeString(dir.resolve("alice"), "# for tailgate connect\nalice:s3cret-pass\n");
    Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rw-------"));
    Path wrong = Files.writeString(dir.resolve("mallory"), "alice:guess\n");
    Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
    Path open = Files.writeString(dir.resolve("open"), "alice:s3cret-pass\n");
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    CliProcess.Running guarded =
        new CliProcess(Map.of("TAILGATE_RUN_DIR", dir.resolve("auth-run").toString()))
            .start(
                CliProcess.upDirect(
                    "off",
                    dir.resolve("auth.log"),
                    "--auth-file",
                    users.toString(),
                    "--allow",
                    "127.0.0.1:" + echo.port()));
    String proxy = "127.0.0.1:" + guarded.port();
    String port = "" + echo.port();
    byte[] hello = "hello through a password".getBytes(StandardCharsets.UTF_8);
    try {
      Outcome ok =
          connect(
              hello,
              Map.of(),
              List.of(),
              "--proxy",
              proxy,
              "--credentials",
              mine + "",
              "127.0.0.1",
              port);
      Outcome byEnv =
          connect(
              hello,
              Map.of("TAILGATE_PROXY_CREDENTIALS", mine.toString()),
              List.of(),
              "--proxy",
              proxy,
              "127.0.0.1",
              port);
      Outcome none = connect(new byte[0], Map.of(), List.of(), "--proxy", proxy, "127.0.0.1", port);
      Outcome refused =
          connect(
              new byte[0],
              Map.of(),
              List.of(),
              "--proxy",
              proxy,
              "--credentials=" + wrong,
              "127.0.0.1",
              port);
      Outcome readable =
          connect(
              new byte[0],
              Map.of(),
              List.of(),
              "--proxy",
              proxy,
              "--credentials",
              open + "",
              "127.0.0.1",
              port);

      assertThat(ok.exitCode()).as(ok.err()).isEqualTo(ExitCodes.OK);
      assertThat(ok.out()).isEqualTo(hello);
      assertThat(byEnv.exitCode()).as(byEnv.err()).isEqualTo(ExitCodes.OK);
      assertThat(byEnv.out()).isEqualTo(hello);
      assertThat(none.exitCode()).isEqualTo(ExitCodes.DENIED);
      assertThat(none.err())
          .contains("the relay wants a username and password")
          .contains("--credentials FILE");
      assertThat(refused.exitCode()).isEqualTo(ExitCodes.DENIED);
      assertThat(refused.err()).contains("the relay refused the username and password in " + wrong);
      assertThat(readable.exitCode()).isEqualTo(ExitCodes.USAGE);
      assertThat(readable.err()).contains("is readable by other users: run `chmod 600");
      for (Outcome o : List.of(ok, byEnv, none, refused, readable)) {
        assertThat(o.err()).doesNotContain("s3cret").doesNotContain("guess");
      }
    } finally {
      guarded.process().destroy();
      guarded.process().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(Files.readString(dir.resolve("auth.log")))
        .doesNotContain("s3cret")
        .doesNotContain("guess");
  }
}
