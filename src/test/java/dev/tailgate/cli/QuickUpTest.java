package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.config.ConfigValues;
import dev.tailgate.testing.Trials;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@link QuickUp} reads a command line as picocli does, or leaves it to picocli. */
class QuickUpTest {
  /** Every option field's value after picocli read {@code args}, or null if picocli refused. */
  private static Map<String, Object> picocli(String... args) {
    CommandLine cli = TailgateCommand.commandLine("up");
    try {
      cli.parseArgs(args);
    } catch (CommandLine.ParameterException refused) {
      return null;
    }
    return values(cli.getSubcommands().get("up").getCommand());
  }

  /** UpCommand's picocli options by name. */
  private static Map<String, Field> options() {
    Map<String, Field> byName = new LinkedHashMap<>();
    for (Field field : UpCommand.class.getDeclaredFields()) {
      CommandLine.Option option = field.getAnnotation(CommandLine.Option.class);
      if (option != null) {
        for (String name : option.names()) {
          byName.put(name, field);
        }
      }
    }
    return byName;
  }

  /** The settings the command's flags give, by key, and its --config: what up runs with. */
  private static Map<String, Object> values(UpCommand up) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("config", up.config);
    ConfigValues flags = up.flags();
    ConfigValues.types().keySet().forEach(key -> values.put(key, flags.get(key)));
    return values;
  }

  @Test
  void listsEveryOptionOfUpButDetachWithTheKindOfItsField() {
    Map<String, QuickUp.Kind> expected = new LinkedHashMap<>();
    options()
        .forEach(
            (name, field) -> {
              Class<?> t = field.getType();
              QuickUp.Kind kind =
                  t == java.nio.file.Path.class
                      ? QuickUp.Kind.PATH
                      : t == Integer.class
                          ? QuickUp.Kind.INT
                          : t == List.class
                              ? QuickUp.Kind.LIST
                              : t == Boolean.class || t == boolean.class
                                  ? QuickUp.Kind.FLAG
                                  : QuickUp.Kind.STRING;
              assertThat(t == String.class || kind != QuickUp.Kind.STRING).as(name).isTrue();
              expected.put(name, kind);
            });
    expected.remove("--detach");
    assertThat(QuickUp.KINDS).isEqualTo(expected);
  }

  private static Map<String, Object> quick(String... args) {
    UpCommand up = QuickUp.parse(args);
    return up == null ? null : values(up);
  }

  @Test
  void readsEveryOptionAsPicocliDoes() throws Exception {
    String[] args = {
      "up",
      "--config",
      "/etc/tailgate.yaml",
      "--listen",
      "127.0.0.1:1080",
      "--listen-unix",
      "/run/tailgate/relay.sock",
      "--listen-unix-mode=0660",
      "--upstream=socks5://127.0.0.1:1055",
      "--no-bootstrap",
      "--allow",
      "tailnet:22",
      "--allow=*.example.ts.net:80,443",
      "--log-file",
      "/tmp/c.jsonl",
      "--idle-timeout",
      "5m",
      "--auth-file",
      "/run/secrets/auth",
      "--admin",
      "off",
      "--max-connections",
      "10000",
      "--max-per-client=0",
      "--max-handshakes",
      "1000",
      "--max-handshakes-per-client",
      "40",
      "--client-identity=process",
      "--max-waiting",
      "7",
      "--close-denied-on-reload",
      "--allowlist-mode",
      "report",
      "--tailscaled",
      "/usr/sbin/tailscaled",
      "--tailscale",
      "/usr/bin/tailscale",
      "--state-dir",
      "/var/lib/tg",
      "--socket",
      "/tmp/ts.sock",
      "--auth-key",
      "bw:tailnet key#key",
      "--hostname",
      "gateway",
      "--login-server",
      "http://127.0.0.1:8080",
      "--advertise-tags",
      "tag:gateway,tag:ci",
      "--ephemeral",
      "--tailscaled-log",
      "/tmp/ts.log"
    };
    Map<String, Object> quick = quick(args);
    assertThat(quick).isNotNull().isEqualTo(picocli(args));
    // Every option but --detach (left to picocli) was given above.
    assertThat(quick.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey))
        .isEmpty();
  }

  @Test
  void readsTheBareCommand() throws Exception {
    assertThat(quick("up")).isNotNull().isEqualTo(picocli("up"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "up --help",
        "up -h",
        "up --version",
        "up --debug",
        "up --detach",
        "up --nope x",
        "up --listen",
        "up --listen --admin off",
        "up --listen a --listen b",
        "up --no-bootstrap=true",
        "up --max-waiting -1",
        "up --max-waiting 010",
        "up --max-waiting +5",
        "up --max-waiting 99999999999",
        "up --max-waiting ten",
        "up extra",
        "up -- --listen",
        "up --allow -x",
        "up --tailscale=--listen",
        "status",
        "-h up"
      })
  void leavesAnythingUnusualToPicocli(String line) {
    assertThat(QuickUp.parse(line.split(" "))).as(line).isNull();
  }

  /** Random lines of options, values and junk: whatever QuickUp takes, picocli reads the same. */
  @Test
  void neverReadsALineOtherwiseThanPicocli() {
    List<String> names = new ArrayList<>(options().keySet());
    names.addAll(List.of("--help", "--debug", "--", "-x", "--nope", "up"));
    List<String> values =
        List.of("", "0", "01", "7", "-3", "x", "--listen", "a=b", "=", "tailnet:22", "99999999999");
    Trials.run(
        2000,
        random -> {
          List<String> line = new ArrayList<>(List.of("up"));
          int words = random.nextInt(8);
          for (int i = 0; i < words; i++) {
            String name = pick(random, names);
            switch (random.nextInt(3)) {
              case 0 -> line.add(name);
              case 1 -> line.add(name + "=" + pick(random, values));
              default -> {
                line.add(name);
                line.add(pick(random, values));
              }
            }
          }
          String[] args = line.toArray(String[]::new);
          Map<String, Object> quick = quick(args);
          if (quick != null) {
            assertThat(picocli(args)).as(String.join(" ", line)).isEqualTo(quick);
          }
        });
  }

  private static String pick(Random random, List<String> from) {
    return from.get(random.nextInt(from.size()));
  }
}
