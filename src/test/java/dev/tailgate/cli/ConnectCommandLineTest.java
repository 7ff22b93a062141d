package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.connect.ConnectOptions;
import dev.tailgate.testing.Trials;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * connect's quick parser ({@link ConnectOptions#parse}, which {@link Main} uses so that picocli
 * need not load) held to picocli's model of the same command ({@link ConnectCommand}): whatever
 * line the quick parser takes, picocli takes too and reads the same way.
 */
class ConnectCommandLineTest {
  /** picocli's reading of {@code args}, or null when picocli refuses the line. */
  private static ConnectOptions picocli(String... args) {
    ConnectCommand c = new ConnectCommand();
    try {
      new CommandLine(c).parseArgs(args);
    } catch (CommandLine.ParameterException refused) {
      return null;
    }
    return new ConnectOptions(
        c.host, c.port, c.proxy.address, c.start, c.config, c.credentials, c.tag);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--proxy a:1 --proxy b:2 web 22",
        "--proxy=a:1 --proxy b:2 web 22",
        "--config a.yml --config=b.yml web 22",
        "--credentials a --credentials b web 22",
        "--tag a --tag b web 22",
        "--start --no-start web 22",
        "--start --start web 22",
        "--proxy --start web 22"
      })
  void leavesWhatPicocliRefusesToPicocli(String line) {
    String[] args = line.split(" ");
    assertThat(picocli(args)).as("picocli refuses " + line).isNull();
    assertThat(ConnectOptions.parse(args, 0)).as(line).isNull();
  }

  /**
   * Random lines of connect's options, values and junk: what the quick parser takes, picocli reads
   * the same.
   */
  @Test
  void neverReadsALineOtherwiseThanPicocli() {
    List<String> names =
        List.of(
            "--proxy",
            "--start",
            "--no-start",
            "--config",
            "--credentials",
            "--tag",
            "--",
            "--help",
            "-x");
    List<String> words = List.of("", "web", "22", "a:1", "-", "--", "-x", "--start", "=", "f=g");
    int[] taken = {0};
    Trials.run(
        3000,
        random -> {
          List<String> line = new ArrayList<>();
          int n = random.nextInt(7);
          for (int i = 0; i < n; i++) {
            switch (random.nextInt(4)) {
              case 0 -> line.add(pick(random, names));
              case 1 -> line.add(pick(random, names) + "=" + pick(random, words));
              default -> line.add(pick(random, words));
            }
          }
          String[] args = line.toArray(String[]::new);
          ConnectOptions quick = ConnectOptions.parse(args, 0);
          if (quick != null) {
            taken[0]++;
            assertThat(picocli(args)).as(String.join(" ", line)).isEqualTo(quick);
          }
        });
    assertThat(taken[0]).as("lines the quick parser took").isGreaterThan(100);
  }

  private static String pick(Random random, List<String> from) {
    return from.get(random.nextInt(from.size()));
  }
}
