package dev.tailgate.relay;

import static dev.tailgate.relay.Embedded.ascii;
import static dev.tailgate.relay.Embedded.writtenText;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Plain HTTP forwarding, one handler step at a time on {@link EmbeddedChannel}s. */
class HttpForwarderTest {
  private static final List<String> RULES = List.of("*.example.ts.net:80,8080");

  private final RecordingLog log = new RecordingLog();

  @Test
  void forwardsInOriginFormWithoutHopByHopFieldsAndLogsTheRequest() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(
        ascii(
            "GET http://web.example.ts.net:8080/a/b?c=d HTTP/1.1\r\n"
                + "Host: wrong.example\r\n"
                + "Connection: keep-alive, X-Hop\r\n"
                + "X-Hop: secret\r\n"
                + "Proxy-Connection: keep-alive\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                + "TE: trailers\r\n"
                + "Upgrade: h2c\r\n"
                + "X-End: kept\r\n\r\n"));

    assertThat(dialer.dialed).containsExactly("web.example.ts.net:8080");
    String sent = writtenText(dialer.target);
    assertThat(sent).startsWith("GET /a/b?c=d HTTP/1.1\r\n");
    assertThat(sent.toLowerCase())
        .contains("host: web.example.ts.net:8080\r\n", "x-end: kept\r\n", "via: 1.1 tailgate\r\n")
        .doesNotContain(
            "connection", "x-hop", "keep-alive", "proxy-authorization", "te:", "upgrade");

    dialer.target.writeInbound(
        ascii(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, X-Back\r\n"
                + "X-Back: 1\r\n\r\nhi"));

    String response = writtenText(ch);
    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nhi");
    assertThat(response.toLowerCase()).doesNotContain("x-back", "connection");
    assertThat(ch.isOpen()).as("kept alive for the next request").isTrue();
    ConnectionEvent request = log.last();
    assertThat(request.isRequest()).isTrue();
    assertThat(request.method()).isEqualTo("GET");
    assertThat(request.status()).isEqualTo(200);
    assertThat(request.targetHost()).isEqualTo("web.example.ts.net");
    assertThat(request.targetPort()).isEqualTo(8080);
    assertThat(request.rule()).isEqualTo("*.example.ts.net:80,8080");
    assertThat(request.result()).isEqualTo("ok");
    assertThat(request.bytesDown()).isEqualTo(2);
  }

  @Test
  void streamsAChunkedUploadAndRechunksACloseDelimitedDownload() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(
        ascii(
            "POST http://web.example.ts.net/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n"));
    assertThat(writtenText(dialer.target))
        .contains("Transfer-Encoding: chunked")
        .endsWith("\r\n\r\n3\r\nabc\r\n");
    ch.writeInbound(ascii("2\r\nde\r\n0\r\n\r\n"));
    assertThat(writtenText(dialer.target)).isEqualTo("2\r\nde\r\n0\r\n\r\n");

    dialer.target.writeInbound(ascii("HTTP/1.1 200 OK\r\n\r\nbody until close"));
    dialer.target.close();

    String response = writtenText(ch);
    assertThat(response.toLowerCase()).contains("transfer-encoding: chunked");
    assertThat(response).endsWith("\r\n\r\n10\r\nbody until close\r\n0\r\n\r\n");
    assertThat(ch.isOpen()).isTrue();
    assertThat(log.last().bytesUp()).isEqualTo(5);
    assertThat(log.last().bytesDown()).isEqualTo(16);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesWithAClearStatusAndForwardsNothing(String name, String request, String status)
      throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(ascii(request));

    String response = writtenText(ch);
    assertThat(response).startsWith("HTTP/1.1 " + status);
    assertThat(response.toLowerCase()).contains("connection: close");
    assertThat(ch.isOpen()).isFalse();
    assertThat(dialer.dialed).isEmpty();
    assertThat(writtenText(dialer.target)).isEmpty();
  }

  static Stream<Arguments> refused() {
    String get = "GET http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n";
    String post = "POST http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n";
    return Stream.of(
        Arguments.of(
            "not allowed", "GET http://db.example.com/ HTTP/1.1\r\nHost: x\r\n\r\n", "403"),
        Arguments.of(
            "port not allowed",
            "GET http://web.example.ts.net:81/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "403"),
        Arguments.of(
            "https in absolute form",
            "GET https://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "400"),
        Arguments.of("origin form", "GET / HTTP/1.1\r\nHost: web.example.ts.net\r\n\r\n", "400"),
        Arguments.of("ftp", "GET ftp://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
        Arguments.of(
            "userinfo", "GET http://u:p@web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n", "400"),
        Arguments.of(
            "Content-Length and Transfer-Encoding",
            post + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "400"),
        Arguments.of(
            "two Content-Lengths",
            post + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "400"),
        Arguments.of("a Content-Length list", post + "Content-Length: 3, 3\r\n\r\nabc", "400"),
        Arguments.of(
            "chunked not last",
            post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            "400"),
        Arguments.of("bare LF", "GET http://web.example.ts.net/ HTTP/1.1\nHost: x\n\n", "400"),
        Arguments.of("bare LF in a header", get + "Host: x\nX: y\r\n\r\n", "400"),
        Arguments.of("space before the colon", get + "Host : x\r\n\r\n", "400"));
  }

  @Test
  void obsFoldReachesTheTargetAsOneLine() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(
        ascii(
            "GET http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\nX-B: c\r\n\r\n"));

    assertThat(writtenText(dialer.target)).contains("X-A: a b\r\nX-B: c\r\n");
  }

  @Test
  void connectionCannotStripTheFramingFields() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(
        ascii(
            "POST http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\nConnection: Content-Length, Host\r\n"
                + "Content-Length: 3\r\n\r\nabc"));

    String sent = writtenText(dialer.target);
    assertThat(sent.toLowerCase()).contains("content-length: 3", "host: web.example.ts.net");
    assertThat(sent).endsWith("\r\n\r\nabc");
  }

  @Test
  void asksForCredentialsWith407AndForwardsOnceGiven() throws Exception {
    Credentials credentials = Credentials.of("u", "p");
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel without = Embedded.client(RULES, dialer, credentials, log);
    without.writeInbound(ascii("GET http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertThat(writtenText(without))
        .startsWith("HTTP/1.1 407 ")
        .contains("Basic realm=\"tailgate\"");
    assertThat(dialer.dialed).isEmpty();

    String token = Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));
    EmbeddedChannel with = Embedded.client(RULES, dialer, credentials, log);
    with.writeInbound(
        ascii(
            "GET http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\nProxy-Authorization: Basic "
                + token
                + "\r\n\r\n"));
    assertThat(dialer.dialed).containsExactly("web.example.ts.net:80");
    assertThat(writtenText(dialer.target).toLowerCase()).doesNotContain("proxy-authorization");
  }

  @Test
  void answers502WhenTheDialFailsAnd504WhenItTimesOut() throws Exception {
    EmbeddedChannel refused =
        Embedded.client(RULES, ScriptedDialer.failing(DialFailure.refused("refused!")), null, log);
    refused.writeInbound(ascii("GET http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertThat(writtenText(refused)).startsWith("HTTP/1.1 502 ").contains("refused!");

    EmbeddedChannel slow =
        Embedded.client(RULES, ScriptedDialer.failing(DialFailure.timeout("slow")), null, log);
    slow.writeInbound(ascii("GET http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertThat(writtenText(slow)).startsWith("HTTP/1.1 504 ");
    assertThat(log.events().stream().filter(ConnectionEvent::isRequest).map(e -> e.status()))
        .containsExactly(502, 504);
  }

  @Test
  void answers502WhenTheTargetClosesBeforeItAnswers() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(ascii("GET http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    dialer.target.close();

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 502 ");
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aHeadResponseCarriesNoBodyEvenWhenChunked() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(ascii("HEAD http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    dialer.target.writeInbound(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\n");
    assertThat(log.last().status()).isEqualTo(200);
  }

  @Test
  void forwardsAnInterimContinueBeforeTheFinalResponse() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(
        ascii(
            "PUT http://web.example.ts.net/ HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                + "Content-Length: 2\r\n\r\n"));
    assertThat(writtenText(dialer.target).toLowerCase()).contains("expect: 100-continue");
    dialer.target.writeInbound(ascii("HTTP/1.1 100 Continue\r\n\r\n"));
    assertThat(writtenText(ch)).startsWith("HTTP/1.1 100 Continue\r\n");
    ch.writeInbound(ascii("ok"));
    assertThat(writtenText(dialer.target)).isEqualTo("ok");
    dialer.target.writeInbound(ascii("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"));
    assertThat(writtenText(ch)).startsWith("HTTP/1.1 201 Created\r\n");
    assertThat(log.last().status()).isEqualTo(201);
  }
}
