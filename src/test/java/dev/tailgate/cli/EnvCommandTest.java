package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EnvCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cmd = TailgateCommand.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void printsEveryProxyVariableInBothCasesForSh() {
    assertThat(run("env", "--proxy", "127.0.0.1:1080")).isEqualTo(ExitCodes.OK);

    assertThat(out.toString())
        .contains(
            "export HTTP_PROXY='http://127.0.0.1:1080'\n",
            "export http_proxy='http://127.0.0.1:1080'\n",
            "export HTTPS_PROXY='http://127.0.0.1:1080'\n",
            "export https_proxy='http://127.0.0.1:1080'\n",
            "export ALL_PROXY='socks5h://127.0.0.1:1080'\n",
            "export all_proxy='socks5h://127.0.0.1:1080'\n",
            "export NO_PROXY='localhost,127.0.0.1,::1'\n",
            "export no_proxy='localhost,127.0.0.1,::1'\n");
  }

  @Test
  void printsSetGxForFish() {
    assertThat(run("env", "--shell", "fish", "--proxy", "[::1]:1080")).isEqualTo(ExitCodes.OK);

    assertThat(out.toString())
        .contains("set -gx ALL_PROXY 'socks5h://[::1]:1080';\n")
        .doesNotContain("export");
  }

  @Test
  void refusesAnAddressThatWouldEscapeTheQuotes() {
    assertThat(run("env", "--proxy", "127.0.0.1:1080';touch /tmp/x;'")).isEqualTo(ExitCodes.USAGE);

    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("not HOST:PORT");
  }

  @Test
  void bashEvalsTheLines() throws Exception {
    String bash = ExternalTool.require("bash", "bash").toString();
    assertThat(run("env", "--proxy", "127.0.0.1:1080")).isEqualTo(ExitCodes.OK);

    RunningProcess.Result r =
        RunningProcess.run(
            List.of(bash, "-c", "eval \"$(cat)\"; echo \"$http_proxy $ALL_PROXY $no_proxy\""),
            out.toString().getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(10),
            Map.of());

    assertThat(r.output().strip())
        .isEqualTo("http://127.0.0.1:1080 socks5h://127.0.0.1:1080 localhost,127.0.0.1,::1");
  }
}
