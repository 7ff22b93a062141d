package dev.tailgate.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The PAC file run for real in a JavaScript engine (node), with the PAC helpers a browser gives it;
 * {@code dnsResolve} throws, so a lookup would fail the test.
 */
class PacTest {
  private static final String RELAY = "127.0.0.1:1080";
  private static final String PROXY = "SOCKS5 127.0.0.1:1080; SOCKS 127.0.0.1:1080";

  private static final String HELPERS =
      """
      function dnsResolve(h) { throw new Error("the PAC looked up " + h); }
      function dnsDomainIs(host, domain) {
        return host.length >= domain.length && host.substring(host.length - domain.length) == domain;
      }
      function isInNet(ip, pattern, mask) {
        if (!/^\\d+\\.\\d+\\.\\d+\\.\\d+$/.test(ip)) throw new Error("isInNet on a name: " + ip);
        var n = function (s) { return s.split(".").reduce(function (a, o) { return a * 256 + (+o); }, 0); };
        return (n(ip) & n(mask)) >>> 0 == (n(pattern) & n(mask)) >>> 0;
      }
      """;

  private static String evaluate(String pac, String host) throws Exception {
    String node = ExternalTool.require("node", "nodejs").toString();
    String script =
        HELPERS
            + pac
            + "\nprocess.stdout.write(FindProxyForURL('http://"
            + host
            + "/', '"
            + host
            + "'));";
    RunningProcess.Result r =
        RunningProcess.run(List.of(node, "-e", script), new byte[0], Duration.ofSeconds(20));
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.output();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "web.tail1234.ts.net, proxy",
    "WEB.Tail1234.TS.net., proxy",
    "a.b.tail1234.ts.net, proxy",
    "100.64.0.1, proxy",
    "100.127.255.254, proxy",
    "fd7a:115c:a1e0::1, proxy",
    "[fd7a:115c:a1e0::1], proxy",
    "tail1234.ts.net.evil.example, direct",
    "eviltail1234.ts.net, direct",
    "example.com, direct",
    "100.128.0.1, direct",
    "10.0.0.1, direct",
    "localhost, direct",
  })
  void sendsTailnetNamesAndAddressesToTheRelayAndTheRestDirect(String host, String where)
      throws Exception {
    String answer = evaluate(Pac.of(RELAY, "tail1234.ts.net"), host);

    assertThat(answer).isEqualTo(where.equals("proxy") ? PROXY : "DIRECT");
  }

  @Test
  void withoutAKnownSuffixStillSendsTailnetAddressesToTheRelay() throws Exception {
    String pac = Pac.of(RELAY, null);

    assertThat(evaluate(pac, "100.100.1.1")).isEqualTo(PROXY);
    assertThat(evaluate(pac, "web.tail1234.ts.net")).isEqualTo("DIRECT");
  }

  @Test
  void neverPutsASuffixThatIsNotADomainIntoTheScript() {
    String pac = Pac.of(RELAY, "x\"); alert(1); //");

    assertThat(pac).doesNotContain("alert").doesNotContain("dnsDomainIs(h");
    assertThat(pac.getBytes(StandardCharsets.UTF_8)).isNotEmpty();
  }
}
