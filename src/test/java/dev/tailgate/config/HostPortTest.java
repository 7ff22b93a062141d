package dev.tailgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
  @Test
  void parsesIpv4Ipv6AndLocalhostLiterals() throws Exception {
    assertThat(HostPort.parse("127.0.0.1:1080", "--listen"))
        .isEqualTo(new InetSocketAddress("127.0.0.1", 1080));
    assertThat(HostPort.parse("[::1]:0", "--listen").getAddress().getHostAddress())
        .isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(HostPort.parse("[fd7a:115c:a1e0::1]:1055", "--upstream").getPort()).isEqualTo(1055);
    assertThat(HostPort.parse("localhost:1081", "--admin").getAddress().getHostAddress())
        .isEqualTo("127.0.0.1");
    assertThat(HostPort.format(HostPort.parse("[::ffff:10.0.0.1]:22", "x")))
        .isEqualTo("10.0.0.1:22");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "example.com:80",
        "127.1:80",
        "1.2.3.4.5:80",
        "256.0.0.1:80",
        "1..2.3:80",
        "1.2.3.:80",
        "1234.0.0.1:80",
        "0x7f.0.0.1:80",
        "[::g]:80",
        "[1:2:3:4:5:6:7:8:9]:80",
        "[fe80::1%eth0]:80",
        "[example.com]:80",
        "010.0.0.1:80",
        "[1.2.3.4]:80"
      })
  void refusesAnythingButAnAddressLiteralWithoutAskingAResolver(String value) {
    assertThatThrownBy(() -> HostPort.parse(value, "--listen"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("is not an IP address");
  }
}
