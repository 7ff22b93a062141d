package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.Mutations;
import dev.tailgate.testing.Trials;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of the rule parser and host normalization over random and mutated text. */
class PolicyPropertyTest {
  private static final String[] RULES = {
    "*.example.ts.net:22",
    "100.64.0.0/10:*",
    "[fd7a:115c:a1e0::1]:22,80,8000-8100",
    "tailnet:443",
    "*",
    "db1:22",
    "[::]/0:1-65535",
    "::ffff:10.0.0.0/104",
    "0x7f.1:80",
    "localhost:3000"
  };
  private static final String[] HOSTS = {
    "db1.example.ts.net",
    "127.0.0.1",
    "0x7f000001",
    "[::1]",
    "64:ff9b::a9fe:a9fe",
    "100.64.0.1",
    "fd7a:115c:a1e0::1",
    "localhost",
    "2130706433",
    "fe80::1%eth0",
    "2002:7f00:1::"
  };
  private static final String ALPHABET = "0123456789abcdefxX.:/[]*,-% \t\n\u00e9\u0000_";

  @Test
  void aRuleEitherParsesOrFailsWithOneLineAndAParsedRuleDecidesEveryTarget() {
    Trials.run(
        1000,
        r -> {
          String text = r.nextBoolean() ? mutated(r, pick(r, RULES)) : random(r, 40);
          Allowlist allowlist;
          try {
            allowlist = Allowlist.parse(List.of(text), () -> "tail1234.ts.net");
          } catch (RuleSyntaxException e) {
            assertThat(e.getMessage()).startsWith("bad rule ").doesNotContain("\n", "\r");
            return;
          }
          for (int i = 0; i < 8; i++) {
            String host = r.nextBoolean() ? pick(r, HOSTS) : random(r, 20);
            Decision d = allowlist.decide(host, r.nextInt(70_000) - 1000);
            assertThat(d.reason()).doesNotContain("\n", "\r");
            assertThat(d.allowed()).isEqualTo(d.rule() != null && !d.rule().startsWith("builtin:"));
          }
        });
  }

  @Test
  void anyHostEitherNormalizesOrFailsWithTheDocumentedOneLineException() {
    Trials.run(
        2000,
        r -> {
          String raw = r.nextBoolean() ? mutated(r, pick(r, HOSTS)) : random(r, 30);
          try {
            NormalizedHost host = NormalizedHost.of(raw);
            assertThat(NormalizedHost.of(host.name())).as("normalizing twice").isEqualTo(host);
          } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("invalid host ").doesNotContain("\n", "\r");
          }
        });
  }

  @Test
  void everySpellingOfAnIpv4AddressNormalizesToTheSameAddress() {
    Trials.run(
        1000,
        r -> {
          long value = r.nextLong() & 0xFFFF_FFFFL;
          int[] o = {
            (int) (value >>> 24),
            (int) (value >>> 16) & 0xff,
            (int) (value >>> 8) & 0xff,
            (int) value & 0xff
          };
          String canonical = o[0] + "." + o[1] + "." + o[2] + "." + o[3];
          List<String> spellings =
              List.of(
                  Long.toString(value),
                  "0x" + Long.toHexString(value),
                  "0X" + Long.toHexString(value).toUpperCase(),
                  "0" + Long.toOctalString(value),
                  part(r, o[0]) + "." + part(r, o[1]) + "." + part(r, o[2]) + "." + part(r, o[3]),
                  part(r, o[0]) + "." + part(r, value & 0xFF_FFFFL),
                  part(r, o[0]) + "." + part(r, o[1]) + "." + part(r, value & 0xFFFFL),
                  canonical + ".",
                  "::ffff:" + canonical,
                  "[::ffff:" + canonical + "]",
                  String.format("::ffff:%x:%x", value >>> 16, value & 0xffff),
                  String.format("0:0:0:0:0:FFFF:%X:%X", value >>> 16, value & 0xffff));
          for (String spelling : spellings) {
            assertThat(NormalizedHost.of(spelling).name()).as(spelling).isEqualTo(canonical);
          }
        });
  }

  /** One inet_aton part: decimal, hex or octal at random. */
  private static String part(Random r, long value) {
    return switch (r.nextInt(3)) {
      case 0 -> Long.toString(value);
      case 1 -> "0x" + Long.toHexString(value);
      default -> "0" + Long.toOctalString(value);
    };
  }

  private static String mutated(Random r, String valid) {
    byte[] bytes = Mutations.mutate(r, valid.getBytes(StandardCharsets.ISO_8859_1));
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static String random(Random r, int max) {
    StringBuilder out = new StringBuilder();
    for (int i = r.nextInt(max + 1); i > 0; i--) {
      out.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return out.toString();
  }

  private static String pick(Random r, String[] from) {
    return from[r.nextInt(from.length)];
  }
}
