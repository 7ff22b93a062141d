package dev.tailgate.relay;

import static dev.tailgate.relay.Embedded.ascii;
import static dev.tailgate.relay.Embedded.writtenText;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HttpConnectHandshakeTest {
  private static final List<String> RULES =
      List.of("*.example.ts.net:22,443", "[fd7a:115c:a1e0::1]:*");

  private final RecordingLog log = new RecordingLog();

  @Test
  void answers200AndRelaysBytesSentRightAfterTheRequest() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(
        ascii(
            "CONNECT web.example.ts.net:443 HTTP/1.1\r\nHost: web.example.ts.net:443\r\n\r\nHELLO"));

    assertThat(writtenText(ch)).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
    assertThat(dialer.dialed).containsExactly("web.example.ts.net:443");
    assertThat(writtenText(dialer.target)).isEqualTo("HELLO");
    ch.writeInbound(ascii("GET / HTTP/1.1\r\n\r\n"));
    assertThat(writtenText(dialer.target)).isEqualTo("GET / HTTP/1.1\r\n\r\n");
    ch.close();
    assertThat(log.last().proto()).isEqualTo("http");
    assertThat(log.last().bytesUp()).isEqualTo(5 + 18);
  }

  @Test
  void acceptsBracketedIpv6Authority() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(ascii("CONNECT [fd7a:115c:a1e0::1]:22 HTTP/1.1\r\n\r\n"));

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 200 ");
    assertThat(dialer.dialed).containsExactly("fd7a:115c:a1e0::1:22");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refusesWithTheRightStatus(String name, String request, String status, String result)
      throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(ascii(request));

    String response = writtenText(ch);
    assertThat(response).startsWith("HTTP/1.1 " + status);
    assertThat(response).contains("connection: close");
    assertThat(ch.isOpen()).isFalse();
    assertThat(dialer.dialed).isEmpty();
    assertThat(log.last().result()).isEqualTo(result);
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(
            "denied", "CONNECT db.example.ts.net:80 HTTP/1.1\r\n\r\n", "403 Forbidden", "denied"),
        Arguments.of(
            "metadata", "CONNECT 169.254.169.254:443 HTTP/1.1\r\n\r\n", "403 Forbidden", "denied"),
        Arguments.of(
            "GET, forwarded, to a denied host",
            "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "403 Forbidden",
            "denied"),
        Arguments.of(
            "no port", "CONNECT db.example.ts.net HTTP/1.1\r\n\r\n", "400", "protocol_error"),
        Arguments.of(
            "port 0", "CONNECT db.example.ts.net:0 HTTP/1.1\r\n\r\n", "400", "protocol_error"),
        Arguments.of("bad v6", "CONNECT [::1:22 HTTP/1.1\r\n\r\n", "400", "protocol_error"),
        Arguments.of(
            "line too long",
            "CONNECT " + "a".repeat(5000) + ":22 HTTP/1.1\r\n\r\n",
            "414",
            "protocol_error"));
  }

  @Test
  void denialBodySaysWhy() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(ascii("CONNECT db.example.ts.net:80 HTTP/1.1\r\n\r\n"));

    assertThat(writtenText(ch)).contains("no allow rule matches db.example.ts.net:80");
  }

  @Test
  void answers502WhenTheDialFailsAnd504WhenItTimesOut() throws Exception {
    EmbeddedChannel refused =
        Embedded.client(RULES, ScriptedDialer.failing(DialFailure.refused("refused!")), null, log);
    refused.writeInbound(ascii("CONNECT db.example.ts.net:22 HTTP/1.1\r\n\r\n"));
    assertThat(writtenText(refused)).startsWith("HTTP/1.1 502 ").contains("refused!");

    EmbeddedChannel slow =
        Embedded.client(RULES, ScriptedDialer.failing(DialFailure.timeout("slow")), null, log);
    slow.writeInbound(ascii("CONNECT db.example.ts.net:22 HTTP/1.1\r\n\r\n"));
    assertThat(writtenText(slow)).startsWith("HTTP/1.1 504 ");
  }

  @Test
  void asksForProxyAuthenticationWhenConfigured() throws Exception {
    EmbeddedChannel ch =
        Embedded.client(RULES, ScriptedDialer.succeeding(), Credentials.of("ansible", "pw"), log);

    ch.writeInbound(ascii("CONNECT db.example.ts.net:22 HTTP/1.1\r\n\r\n"));

    assertThat(writtenText(ch))
        .startsWith("HTTP/1.1 407 ")
        .contains("proxy-authenticate: Basic realm=\"tailgate\"");
    assertThat(log.last().result()).isEqualTo("denied");
  }

  @Test
  void tunnelsWithValidBasicCredentials() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, Credentials.of("ansible", "pw"), log);
    String token =
        Base64.getEncoder().encodeToString("ansible:pw".getBytes(StandardCharsets.UTF_8));

    ch.writeInbound(
        ascii(
            "CONNECT db.example.ts.net:22 HTTP/1.1\r\nProxy-Authorization: Basic "
                + token
                + "\r\n\r\n"));

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 200 ");
    assertThat(dialer.dialed).hasSize(1);
  }
}
