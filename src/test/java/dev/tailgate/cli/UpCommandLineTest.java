package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code tailgate up ...} gets a command line with up's model only (it is on the way to
 * tailscaled's start); what a user sees from it is the same as from the full one.
 */
class UpCommandLineTest {
  private record Run(int code, String out, String err) {}

  private static Run run(CommandLine cmd, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return new Run(cmd.execute(args), out.toString(), err.toString());
  }

  @Test
  void buildsOnlyUpForAnUpLineAndEveryCommandOtherwise() {
    assertThat(TailgateCommand.commandLine("up").getSubcommands().keySet()).containsExactly("up");
    assertThat(TailgateCommand.commandLine("status").getSubcommands().keySet())
        .containsExactlyElementsOf(TailgateCommand.commandLine().getSubcommands().keySet())
        .containsAll(List.of("up", "status", "down", "doctor", "connect", "help"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "up --help",
        "up --version",
        "up --nope",
        "up --listen",
        "up extra",
        "up --max-connections many",
        "up --listen 1.2.3:80 --no-bootstrap"
      })
  void answersAsTheFullCommandLineDoes(String line) {
    String[] args = line.split(" ");
    TailgateCommand.debug = false; // another test's --debug would add stack traces to both

    Run alone = run(TailgateCommand.commandLine("up"), args);
    Run full = run(TailgateCommand.commandLine(), args);

    assertThat(alone).isEqualTo(full);
  }
}
