package dev.tailgate.connect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectOptionsTest {
  private static ConnectOptions parse(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "connect";
    System.arraycopy(args, 0, all, 1, args.length);
    return ConnectOptions.parse(all, 1);
  }

  @Test
  void parsesTheProxyCommandLineSshRuns() {
    assertThat(parse("--proxy", "127.0.0.1:1080", "web-1.tail1234.ts.net", "22"))
        .isEqualTo(
            new ConnectOptions("web-1.tail1234.ts.net", "22", "127.0.0.1:1080", false, null));
  }

  @Test
  void parsesEqualsFormsStartAndConfig() {
    assertThat(parse("--proxy=[::1]:1080", "--start", "--config=/etc/t.yaml", "db", "2222"))
        .isEqualTo(new ConnectOptions("db", "2222", "[::1]:1080", true, "/etc/t.yaml"));
    assertThat(parse("--no-start", "db", "22").start()).isFalse();
    // Given twice, a flag is picocli's to refuse (cli/ConnectCommandLineTest).
    assertThat(parse("--start", "--no-start", "db", "22")).isNull();
  }

  @Test
  void parsesTheCredentialsFileInBothForms() {
    assertThat(parse("--credentials", "/home/a/.tailgate-pass", "db", "22").credentials())
        .isEqualTo("/home/a/.tailgate-pass");
    assertThat(parse("--credentials=/p", "db", "22").credentials()).isEqualTo("/p");
    assertThat(parse("db", "22").credentials()).isNull();
    assertThat(parse("db", "22", "--credentials")).isNull();
  }

  @Test
  void parsesTheTagInBothForms() {
    assertThat(parse("--tag", "web1@Deploy", "db", "22").tag()).isEqualTo("web1@Deploy");
    assertThat(parse("--tag=web1", "db", "22").tag()).isEqualTo("web1");
    assertThat(parse("db", "22").tag()).isNull();
    assertThat(parse("--tag", "a", "--tag", "b", "db", "22")).isNull();
  }

  @Test
  void aDoubleDashEndsTheOptions() {
    assertThat(parse("--", "-odd-host", "22").host()).isEqualTo("-odd-host");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--help",
        "-h",
        "--version",
        "--debug web 22",
        "web",
        "web 22 extra",
        "--proxy",
        "--prox 127.0.0.1:1080 web 22",
        ""
      })
  void leavesEverythingElseToPicocli(String line) {
    assertThat(parse(line.isEmpty() ? new String[0] : line.split(" "))).isNull();
  }
}
