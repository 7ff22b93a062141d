package dev.tailgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NormalizedHostTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          db1.example.ts.net         | db1.example.ts.net
          DB1.Example.TS.net         | db1.example.ts.net
          db1.example.ts.net.        | db1.example.ts.net
          db1                        | db1
          host-with_under.score      | host-with_under.score
          0x1.example                | 0x1.example
          localhost                  | localhost
          """)
  void normalizesNamesToLowercaseWithoutTrailingDot(String raw, String name) {
    NormalizedHost host = NormalizedHost.of(raw);

    assertThat(host.name()).isEqualTo(name);
    assertThat(host.upstreamHost()).isEqualTo(name);
    assertThat(host.address()).isEmpty();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          127.0.0.1                  | 127.0.0.1
          127.0.0.1.                 | 127.0.0.1
          2130706433                 | 127.0.0.1
          0x7f000001                 | 127.0.0.1
          0X7F000001                 | 127.0.0.1
          0x7f.0x0.0x0.0x1           | 127.0.0.1
          0177.0.0.1                 | 127.0.0.1
          0177.0000.0000.0001        | 127.0.0.1
          127.1                      | 127.0.0.1
          127.0.1                    | 127.0.0.1
          10.1.2                     | 10.1.0.2
          10.1.258                   | 10.1.1.2
          2852039166                 | 169.254.169.254
          0xa9fea9fe                 | 169.254.169.254
          0xa9.0xfe.0xa9.0xfe        | 169.254.169.254
          0251.0376.0251.0376        | 169.254.169.254
          169.16689662               | 169.254.169.254
          169.254.43518              | 169.254.169.254
          0                          | 0.0.0.0
          4294967295                 | 255.255.255.255
          """)
  void parsesEveryInetAtonFormOfIpv4(String raw, String canonical) {
    NormalizedHost host = NormalizedHost.of(raw);

    assertThat(host.name()).isEqualTo(canonical);
    assertThat(host.upstreamHost()).isEqualTo(canonical);
    assertThat(host.address()).get().isInstanceOf(Inet4Address.class);
    assertThat(host.address().orElseThrow().getHostAddress()).isEqualTo(canonical);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          ::ffff:127.0.0.1           | 127.0.0.1
          [::ffff:127.0.0.1]         | 127.0.0.1
          ::ffff:7f00:1              | 127.0.0.1
          ::ffff:169.254.169.254     | 169.254.169.254
          ::ffff:a9fe:a9fe           | 169.254.169.254
          [::FFFF:A9FE:A9FE]         | 169.254.169.254
          0:0:0:0:0:ffff:a9fe:a9fe   | 169.254.169.254
          """)
  void turnsIpv4MappedIpv6IntoItsIpv4(String raw, String ipv4) {
    NormalizedHost host = NormalizedHost.of(raw);

    assertThat(host.name()).isEqualTo(ipv4);
    assertThat(host.address()).get().isInstanceOf(Inet4Address.class);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          fd7a:115c:a1e0::1                        | fd7a:115c:a1e0::1
          [fd7a:115c:a1e0::1]                      | fd7a:115c:a1e0::1
          FD7A:115C:A1E0:0000:0000:0000:0000:0001  | fd7a:115c:a1e0::1
          ::1                                      | ::1
          [::1]                                    | ::1
          ::                                       | ::
          0:0:0:0:0:0:0:0                          | ::
          1::                                      | 1::
          2001:db8:0:0:1:0:0:1                     | 2001:db8::1:0:0:1
          2001:db8:0:1:1:1:1:1                     | 2001:db8:0:1:1:1:1:1
          2001:0:0:1:0:0:0:1                       | 2001:0:0:1::1
          fe80::1%eth0                             | fe80::1
          [fe80::1%eth0]                           | fe80::1
          64:ff9b::192.0.2.33                      | 64:ff9b::c000:221
          """)
  void printsIpv6InRfc5952FormWithoutBracketsOrZone(String raw, String canonical) {
    NormalizedHost host = NormalizedHost.of(raw);

    assertThat(host.name()).isEqualTo(canonical);
    assertThat(host.upstreamHost()).isEqualTo(canonical);
    assertThat(host.address()).get().isInstanceOf(Inet6Address.class);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          99999999999             | IPv4 part '99999999999' is too large for an IPv4 address
          256.1.1.1               | IPv4 part 256 is out of range 0-255
          1.2.3.256               | IPv4 part 256 is out of range 0-255
          1.16777216              | IPv4 part 16777216 is out of range 0-16777215
          1.2.65536               | IPv4 part 65536 is out of range 0-65535
          1.2.3.4.5               | looks like an IPv4 address but has more than 4 parts
          08.1.1.1                | IPv4 part '08' is not a number
          0x.1.1.1                | IPv4 part '0x' has no digits
          0xg.1                   | IPv4 part '0xg' is not a number
          1..2.3                  | looks like an IPv4 address but has an empty part
          foo.123                 | IPv4 part 'foo' is not a number
          0x100000000             | IPv4 part '0x100000000' is too large for an IPv4 address
          ""                      | host is empty
          .                       | host is empty
          bad!host                | character '!' is not allowed in a name
          *.example.ts.net        | character '*' is not allowed in a name
          a..b                    | name has an empty label
          .a                      | name has an empty label
          db1..                   | name has an empty label
          db1 .example            | character ' ' is not allowed
          [::1                    | '[' without a closing ']'
          [db1]                   | not a valid IPv6 address
          [1.2.3.4]               | not a valid IPv6 address
          1:2:3                   | not a valid IPv6 address
          ::1::2                  | not a valid IPv6 address
          12345::1                | not a valid IPv6 address
          1:2:3:4:5:6:7:8:9       | not a valid IPv6 address
          1:2:3:4:5:6:7::8        | not a valid IPv6 address
          ::ffff:0177.0.0.1       | not a valid IPv6 address
          ::ffff:127.1            | not a valid IPv6 address
          fe80::1%                | IPv6 zone '' is not valid
          db1:22                  | not a valid IPv6 address
          """)
  void refusesInvalidHostsWithOneLineNamingTheHost(String raw, String problem) {
    String host = raw == null ? "" : raw;

    assertThatThrownBy(() -> NormalizedHost.of(host))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("invalid host " + Printable.quote(host) + ": " + problem);
  }

  @ParameterizedTest
  @ValueSource(strings = {"db1\n.example", "db1\r", "d\u00e9j\u00e0.example", "db1\u0000"})
  void refusesControlAndNonAsciiCharactersAndEscapesThemInTheMessage(String raw) {
    assertThatThrownBy(() -> NormalizedHost.of(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .containsPattern("is not allowed$")
        .doesNotContain("\n", "\r", "\u0000")
        .matches("[\\x20-\\x7e]*");
  }

  @Test
  void refusesNameLongerThan253AndLabelLongerThan63() {
    String label63 = "a".repeat(63);
    String name253 = String.join(".", label63, label63, label63, "a".repeat(61));
    assertThat(NormalizedHost.of(name253).name()).hasSize(253);
    assertThat(NormalizedHost.of(name253 + ".").name()).hasSize(253);

    assertThatThrownBy(() -> NormalizedHost.of(name253 + "a"))
        .hasMessageEndingWith("name is longer than 253 characters");
    assertThatThrownBy(() -> NormalizedHost.of("a".repeat(64) + ".example"))
        .hasMessageContaining("is longer than 63");
    assertThatThrownBy(() -> NormalizedHost.of("a".repeat(301)))
        .hasMessageEndingWith("host is longer than 300 characters")
        .hasMessageContaining("...");
  }

  @Test
  void neverResolvesANameItHasNoLiteralFor() {
    // If this resolved, localhost would come back with an address.
    assertThat(NormalizedHost.of("localhost").address()).isEmpty();
    assertThat(NormalizedHost.of("db1.invalid").address()).isEmpty();
  }

  @Test
  void equalsByNormalizedForm() {
    assertThat(NormalizedHost.of("0x7f000001")).isEqualTo(NormalizedHost.of("127.0.0.1"));
    assertThat(NormalizedHost.of("DB1.")).isEqualTo(NormalizedHost.of("db1"));
    assertThat(NormalizedHost.of("DB1.").hashCode()).isEqualTo(NormalizedHost.of("db1").hashCode());
    assertThat(NormalizedHost.of("db1")).isNotEqualTo(NormalizedHost.of("db2"));
  }
}
