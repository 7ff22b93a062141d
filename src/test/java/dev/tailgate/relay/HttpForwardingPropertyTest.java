package dev.tailgate.relay;

import static dev.tailgate.relay.Embedded.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.testing.Mutations;
import dev.tailgate.testing.Trials;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Properties of plain HTTP forwarding over generated requests, each fed in random pieces to the
 * listener's pipeline with a recording target behind it: a valid request reaches the target
 * byte-exact as {@link ForwardedRequests} models it; a request of any smuggling shape is answered
 * with one clear 4xx and closed, and not one byte of it reaches the target, first on its connection
 * or after a request that was forwarded; a body found malformed after its head went on is answered
 * 400 and its target never gets its end. A failure names the seed that replays it.
 */
class HttpForwardingPropertyTest {
  private static final int TRIES = 400;
  private static final List<String> RULES = List.of(ForwardedRequests.RULE);
  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\r\ncontent-length: (\\d+)");
  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  /** A request made malformed, and the statuses it may be refused with. */
  private record Shape(String name, Function<Random, String> request, int... statuses) {}

  private static final String LINE = "GET http://" + ForwardedRequests.AUTHORITY + "/ HTTP/1.1";
  private static final String POST = "POST http://" + ForwardedRequests.AUTHORITY + "/ HTTP/1.1";
  private static final String HOST = "Host: " + ForwardedRequests.AUTHORITY + "\r\n";

  private static final List<Shape> SMUGGLING =
      List.of(
          new Shape(
              "Content-Length beside Transfer-Encoding",
              r ->
                  POST
                      + "\r\n"
                      + HOST
                      + either(r, "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")
                      + "\r\n0\r\n\r\n",
              400),
          new Shape(
              "two Content-Lengths",
              r ->
                  POST
                      + "\r\n"
                      + HOST
                      + "Content-Length: 3\r\nContent-Length: "
                      + (r.nextBoolean() ? 3 : 30)
                      + "\r\n\r\nabc",
              400),
          new Shape(
              "a Content-Length list",
              r -> POST + "\r\n" + HOST + "Content-Length: 3," + ows(r) + "3\r\n\r\nabc",
              400),
          new Shape(
              "a Content-Length not a number",
              r ->
                  POST
                      + "\r\n"
                      + HOST
                      + "Content-Length: "
                      + pick(r, "-1", "+3", "0x3", "3 3", "abc", "", "99999999999999999999")
                      + "\r\n\r\nabc",
              400),
          new Shape(
              "chunked not last, twice, or misspelt",
              r ->
                  POST
                      + "\r\n"
                      + HOST
                      + "Transfer-Encoding: "
                      + pick(
                          r,
                          "chunked, identity",
                          "chunked, chunked",
                          "xchunked",
                          "identity",
                          "chunked\r\nTransfer-Encoding: chunked")
                      + "\r\n\r\n0\r\n\r\n",
              400),
          new Shape("a bare LF", r -> bareLf(r, LINE + "\r\n" + HOST + "X-A: a\r\n\r\n"), 400),
          new Shape(
              "a CR or control character in a field",
              r ->
                  LINE
                      + "\r\n"
                      + HOST
                      + "X-A: a"
                      + pick(r, "\r", "\0", "\u0001", "\u000b", "\u001f", "\u007f", "\rX-B: b")
                      + "b\r\n\r\n",
              400),
          new Shape(
              "whitespace before the colon, or a name not a token",
              r ->
                  LINE
                      + "\r\n"
                      + HOST
                      + pick(r, "X-A : a", "X-A\t: a", "X A: a", "X(A): a", "X@A: a", ": a")
                      + "\r\n\r\n",
              400),
          new Shape(
              "header fields beyond the bound",
              r ->
                  LINE
                      + "\r\n"
                      + HOST
                      + "X-Big: "
                      + "y".repeat(ProtocolDetector.MAX_HTTP_HEADERS + r.nextInt(4096))
                      + "\r\n\r\n",
              431),
          new Shape(
              "a request line beyond the bound",
              r ->
                  "GET http://"
                      + ForwardedRequests.AUTHORITY
                      + "/"
                      + "y".repeat(ProtocolDetector.MAX_HTTP_LINE + r.nextInt(4096))
                      + " HTTP/1.1\r\n"
                      + HOST
                      + "\r\n",
              414),
          new Shape(
              "user information in the URL",
              r ->
                  "GET http://"
                      + pick(r, "u:p@", "u@", "@", "u:p%40x@")
                      + ForwardedRequests.AUTHORITY
                      + "/ HTTP/1.1\r\n"
                      + HOST
                      + "\r\n",
              400),
          new Shape(
              "no Host, or two",
              r -> LINE + "\r\n" + (r.nextBoolean() ? "" : HOST + HOST) + "X-A: a\r\n\r\n",
              400),
          new Shape(
              "a port not a port",
              r ->
                  "GET http://web.example.ts.net:"
                      + pick(r, "8x", "99999", "", "-1", "0", "80a", "+80", "1e3")
                      + "/ HTTP/1.1\r\n"
                      + HOST
                      + "\r\n",
              400),
          new Shape(
              "not http:// in absolute form",
              r ->
                  pick(
                          r,
                          "GET https://" + ForwardedRequests.AUTHORITY + "/",
                          "GET ftp://" + ForwardedRequests.AUTHORITY + "/",
                          "GET /",
                          "OPTIONS *",
                          "GET http:///",
                          "GET http://" + ForwardedRequests.AUTHORITY + "/a b")
                      + " HTTP/1.1\r\n"
                      + HOST
                      + "\r\n",
              400),
          new Shape(
              "a version other than HTTP/1.x",
              r ->
                  "GET http://"
                      + ForwardedRequests.AUTHORITY
                      + "/ "
                      + pick(r, "HTTP/2.0", "HTTP/1.2", "HTTP/3", "HTTP/0.9", "HTTP/1.1x")
                      + "\r\n"
                      + HOST
                      + "\r\n",
              400,
              505));

  private final RecordingLog log = new RecordingLog();
  private ScriptedDialer dialer;

  /** Request lines logged before the last input was fed. */
  private int requestsBefore;

  @Test
  void aValidRequestReachesItsTargetByteExact() {
    Trials.run(
        TRIES,
        r -> {
          ForwardedRequests.Request request = ForwardedRequests.random(r);
          EmbeddedChannel client = client();
          feed(r, client, request.bytes());

          Upstream got = Upstream.read(Embedded.written(dialer.target));
          assertThat(got.head()).isEqualTo(request.expectedHead());
          assertThat(got.payload()).isEqualTo(request.payload());
          assertThat(got.complete()).as("the body's end reached the target").isTrue();
          assertThat(got.rest()).as("bytes after the request").isEmpty();

          boolean head = request.head().startsWith("HEAD ");
          dialer.target.writeInbound(ascii(head ? OK.substring(0, OK.length() - 2) : OK));
          String answer = Embedded.writtenText(client);
          assertThat(answer)
              .startsWith("HTTP/1.1 200 OK\r\n")
              .endsWith(head ? "\r\n\r\n" : "\r\n\r\nok");
          assertThat(client.isOpen()).isTrue();
          assertThat(requestLines()).extracting(ConnectionEvent::status).containsExactly(200);
          client.finishAndReleaseAll();
        });
  }

  @Test
  void aSmugglingShapeGetsOneClear4xxAndNothingReachesTheTarget() {
    Trials.run(
        TRIES,
        r -> {
          Shape shape = SMUGGLING.get(r.nextInt(SMUGGLING.size()));
          String poisoned = shape.request().apply(r);
          boolean second = r.nextBoolean();
          EmbeddedChannel client = client();
          if (second) {
            // After a request that was forwarded and answered, on the same connection.
            feed(r, client, (LINE + "\r\n" + HOST + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertThat(Upstream.read(Embedded.written(dialer.target)).complete()).isTrue();
            dialer.target.writeInbound(ascii(OK));
            assertThat(Embedded.writtenText(client)).startsWith("HTTP/1.1 200 OK");
          }
          feed(r, client, poisoned.getBytes(StandardCharsets.ISO_8859_1));

          String answer = Embedded.writtenText(client);
          assertThat(answer)
              .as(shape.name())
              .matches("(?s)HTTP/1\\.1 4\\d\\d .*|HTTP/1\\.1 505 .*");
          int status = Integer.parseInt(answer.substring(9, 12));
          assertThat(Arrays.stream(shape.statuses()).boxed().toList())
              .as("%s: answered %s", shape.name(), answer)
              .contains(status);
          assertThat(answer.toLowerCase()).contains("connection: close");
          int end = answer.indexOf("\r\n\r\n") + 4;
          Matcher length = CONTENT_LENGTH.matcher(answer.substring(0, end));
          assertThat(length.find()).isTrue();
          assertThat(answer.length())
              .as("one answer only: %s", answer)
              .isEqualTo(end + Integer.parseInt(length.group(1)));
          assertThat(client.isOpen()).isFalse();
          assertThat(Embedded.written(dialer.target)).as("bytes to the target").isEmpty();
          assertThat(dialer.dialed).hasSize(second ? 1 : 0);
          client.finishAndReleaseAll();
        });
  }

  @Test
  void aMalformedChunkIsAnswered400AndItsTargetNeverGetsTheBodysEnd() {
    Trials.run(
        TRIES,
        r -> {
          byte[] payload = Mutations.bytes(r, 1 + r.nextInt(3000));
          List<byte[]> chunks = ForwardedRequests.chunked(r, payload);
          int bad = r.nextInt(chunks.size());
          chunks.set(bad, malformed(r, chunks.get(bad)));
          ByteArrayOutputStream in = new ByteArrayOutputStream();
          in.writeBytes(
              (POST + "\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          chunks.forEach(in::writeBytes);
          EmbeddedChannel client = client();
          feed(r, client, in.toByteArray());

          assertThat(Embedded.writtenText(client)).startsWith("HTTP/1.1 400 ");
          assertThat(client.isOpen()).isFalse();
          Upstream got = Upstream.read(Embedded.written(dialer.target));
          assertThat(got.complete()).as("the cut body's end reached the target").isFalse();
          assertThat(dialer.target.isOpen()).isFalse();
          assertThat(requestLines()).extracting(ConnectionEvent::status).containsExactly(400);
          client.finishAndReleaseAll();
        });
  }

  /** One chunk made malformed: its size line, or the line end after its data. */
  private static byte[] malformed(Random r, byte[] chunk) {
    String text = new String(chunk, StandardCharsets.ISO_8859_1);
    int eol = text.indexOf("\r\n");
    String size = pick(r, "zz", "-1", "+3", "0x3", "", " 3", "3 ", "fffffffffffffffff", "3\n", "g");
    if (r.nextInt(3) == 0 && text.length() > eol + 4) {
      // The data runs past its size: no line end where one must be.
      return (text.substring(0, text.length() - 2) + "XY").getBytes(StandardCharsets.ISO_8859_1);
    }
    return (size + text.substring(eol)).getBytes(StandardCharsets.ISO_8859_1);
  }

  private EmbeddedChannel client() throws Exception {
    dialer = ScriptedDialer.succeeding();
    return Embedded.client(RULES, dialer, null, log);
  }

  private List<ConnectionEvent> requestLines() {
    List<ConnectionEvent> lines = log.events().stream().filter(ConnectionEvent::isRequest).toList();
    return lines.subList(requestsBefore, lines.size());
  }

  private void feed(Random r, EmbeddedChannel client, byte[] input) {
    requestsBefore = (int) log.events().stream().filter(ConnectionEvent::isRequest).count();
    for (byte[] piece : Mutations.chunks(r, input)) {
      if (!client.isOpen()) {
        break;
      }
      client.writeInbound(Unpooled.wrappedBuffer(piece));
    }
    client.checkException();
  }

  private static String either(Random r, String twoLines) {
    int cut = twoLines.indexOf("\r\n") + 2;
    return r.nextBoolean() ? twoLines : twoLines.substring(cut) + twoLines.substring(0, cut);
  }

  /** {@code text} with one of its CRLFs a bare LF. */
  private static String bareLf(Random r, String text) {
    int crlfs = text.split("\r\n", -1).length - 1;
    int which = r.nextInt(crlfs);
    int at = -2;
    for (int i = 0; i <= which; i++) {
      at = text.indexOf("\r\n", at + 2);
    }
    return text.substring(0, at) + text.substring(at + 1);
  }

  private static String ows(Random r) {
    return pick(r, "", " ", "\t");
  }

  private static String pick(Random r, String... from) {
    return from[r.nextInt(from.length)];
  }

  /**
   * What the target got, read strictly: the head, then a body by its Content-Length or chunked
   * framing; whether the body ended; any bytes after it.
   */
  record Upstream(String head, byte[] payload, boolean complete, byte[] rest) {
    static Upstream read(byte[] bytes) {
      String text = new String(bytes, StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        return new Upstream(text, new byte[0], false, new byte[0]);
      }
      String head = text.substring(0, end + 4);
      String lower = head.toLowerCase();
      ByteArrayOutputStream payload = new ByteArrayOutputStream();
      int at = end + 4;
      if (lower.contains("\r\ntransfer-encoding: chunked\r\n")) {
        while (true) {
          int eol = text.indexOf("\r\n", at);
          if (eol < 0) {
            return new Upstream(head, payload.toByteArray(), false, new byte[0]);
          }
          int size = Integer.parseInt(text.substring(at, eol), 16);
          if (size == 0) {
            boolean ended = text.startsWith("\r\n", eol + 2);
            int after = ended ? eol + 4 : bytes.length;
            return new Upstream(
                head,
                payload.toByteArray(),
                ended,
                Arrays.copyOfRange(bytes, Math.min(after, bytes.length), bytes.length));
          }
          if (eol + 2 + size + 2 > bytes.length) {
            return new Upstream(head, payload.toByteArray(), false, new byte[0]);
          }
          payload.write(bytes, eol + 2, size);
          assertThat(text.substring(eol + 2 + size, eol + 4 + size)).isEqualTo("\r\n");
          at = eol + 4 + size;
        }
      }
      int length = 0;
      for (String line : lower.split("\r\n")) {
        if (line.startsWith("content-length: ")) {
          length = Integer.parseInt(line.substring(16));
        }
      }
      int got = Math.min(length, bytes.length - at);
      payload.write(bytes, at, got);
      return new Upstream(
          head,
          payload.toByteArray(),
          got == length,
          Arrays.copyOfRange(bytes, at + got, bytes.length));
    }
  }
}
