package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = TailgateCommand.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void helpListsTheCommandsAndTheExitCodes() {
    assertThat(run("--help")).isEqualTo(ExitCodes.OK);

    assertThat(out.toString())
        .contains("up", "generate-completion", "help")
        .contains("Exit codes:")
        .contains("3   bad setting");
  }

  @Test
  void versionNamesTheProgram() {
    assertThat(run("--version")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).startsWith("tailgate ");
  }

  @Test
  void generatesABashCompletionScript() {
    assertThat(run("generate-completion")).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("complete -F");
  }

  @Test
  void anUnknownFlagIsAUsageError() {
    assertThat(run("up", "--listne", "x")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("'--listne'").contains("Possible solutions: --listen");
  }

  @Test
  void noSubcommandIsAUsageError() {
    assertThat(run()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void aBadSettingIsOneLineWithoutAStackTrace() {
    assertThat(run("up", "--listen", "nowhere")).isEqualTo(ExitCodes.CONFIG);

    assertThat(err.toString().strip())
        .isEqualTo("tailgate: --listen: expected HOST:PORT, got 'nowhere'");
  }

  @Test
  void aBadRuleNamesTheRule() {
    assertThat(run("up", "--allow", "db1:99999")).isEqualTo(ExitCodes.CONFIG);

    assertThat(err.toString()).startsWith("tailgate: --allow: ").contains("db1:99999");
    assertThat(err.toString().strip().lines()).hasSize(1);
  }

  @Test
  void debugAddsTheStackTrace() {
    assertThat(run("--debug", "up", "--listen", "nowhere")).isEqualTo(ExitCodes.CONFIG);

    assertThat(err.toString()).contains("at dev.tailgate.config.HostPort.parse");
  }

  @Test
  void aTakenListenAddressExitsUnavailable() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int code =
          run(
              "up",
              "--no-bootstrap",
              "--upstream",
              "direct",
              "--listen",
              "127.0.0.1:" + taken.getLocalPort());

      assertThat(code).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(err.toString()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
