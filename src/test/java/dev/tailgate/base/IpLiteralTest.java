package dev.tailgate.base;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one reading of an IP literal that config, connect and the allowlist share: each tricky input
 * with what it is ("none": not a literal, so a name or an error to the caller).
 */
class IpLiteralTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          127.0.0.1                     | 127.0.0.1       | 4
          0.0.0.0                       | 0.0.0.0         | 4
          255.255.255.255               | 255.255.255.255 | 4
          100.64.0.11                   | 100.64.0.11     | 4
          010.0.0.1                     | none            | 0
          0177.0.0.1                    | none            | 0
          00.0.0.0                      | none            | 0
          1.2.3.04                      | none            | 0
          127.1                         | none            | 0
          127.0.1                       | none            | 0
          0x7f000001                    | none            | 0
          0x7f.0.0.1                    | none            | 0
          2130706433                    | none            | 0
          2852039166                    | none            | 0
          256.0.0.1                     | none            | 0
          1234.0.0.1                    | none            | 0
          1.2.3.4.5                     | none            | 0
          1..2.3                        | none            | 0
          1.2.3.                        | none            | 0
          .1.2.3                        | none            | 0
          +1.2.3.4                      | none            | 0
          " 1.2.3.4"                    | none            | 0
          [1.2.3.4]                     | none            | 0
          ::1                           | ::1             | 16
          [::1]                         | ::1             | 16
          ::                            | ::              | 16
          FD7A:115C:A1E0::1             | fd7a:115c:a1e0::1 | 16
          fd7a:115c:a1e0:0:0:0:0:1      | fd7a:115c:a1e0::1 | 16
          2001:db8:0:0:1:0:0:1          | 2001:db8::1:0:0:1 | 16
          1:2:3:4:5:6:7:8               | 1:2:3:4:5:6:7:8 | 16
          [::1                          | none            | 0
          ::1]                          | none            | 0
          [[::1]]                       | none            | 0
          1:2:3                         | none            | 0
          1:2:3:4:5:6:7:8:9             | none            | 0
          1:2:3:4:5:6:7::8              | none            | 0
          ::1::2                        | none            | 0
          12345::1                      | none            | 0
          ::g                           | none            | 0
          fe80::1%eth0                  | none            | 0
          [fe80::1%eth0]                | none            | 0
          fe80::1%25eth0                | none            | 0
          ::ffff:127.0.0.1              | 127.0.0.1       | 4
          ::ffff:7f00:1                 | 127.0.0.1       | 4
          [::FFFF:A9FE:A9FE]            | 169.254.169.254 | 4
          0:0:0:0:0:ffff:10.0.0.1       | 10.0.0.1        | 4
          ::ffff:0177.0.0.1             | none            | 0
          ::ffff:127.1                  | none            | 0
          ::127.0.0.1                   | ::7f00:1        | 16
          64:ff9b::192.0.2.33           | 64:ff9b::c000:221 | 16
          2002:7f00:1::                 | 2002:7f00:1::   | 16
          localhost                     | none            | 0
          example.com                   | none            | 0
          [example.com]                 | none            | 0
          ""                            | none            | 0
          """)
  void readsEachLiteralOneWay(String text, String canonical, int length) {
    byte[] address = IpLiteral.parse(text);

    if (canonical.equals("none")) {
      assertThat(address).isNull();
    } else {
      assertThat(address).hasSize(length);
      assertThat(IpLiteral.format(address)).isEqualTo(canonical);
      assertThat(IpLiteral.parse(canonical)).as("the printed form reads back").isEqualTo(address);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"::ffff:127.0.0.1", "::ffff:7f00:1"})
  void keepsAnIpv4MappedAddressSixteenBytesUntilUnmapped(String text) {
    byte[] mapped = IpLiteral.parseIpv6(text);

    assertThat(mapped).hasSize(16);
    assertThat(IpLiteral.unmapped(mapped)).containsExactly(127, 0, 0, 1);
  }

  @Test
  void readsTheLongestIpv6TextAndRefusesLongerWithoutParsingIt() {
    String longest = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";

    assertThat(longest).hasSize(45);
    assertThat(IpLiteral.parseIpv6(longest)).hasSize(16);
    assertThat(IpLiteral.parseIpv6("0" + longest)).isNull();
    assertThat(IpLiteral.parseIpv6("1:".repeat(10_000))).isNull();
  }
}
