package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Feeds one client's bytes, chunk by chunk, to a fresh relay pipeline and checks what must hold for
 * any input: no exception escapes the pipeline and nothing reaches its tail; the decoders never
 * hold more than the protocol's bound; what was written back is a well-formed reply sequence in the
 * client's protocol, a refusal followed by a close; a client that stops short is closed by the
 * handshake deadline; and exactly one connection log event with a known result is recorded.
 */
final class HandshakeTrial {
  static final List<String> RULES =
      List.of("*.example.ts.net:22", "100.64.0.0/10:*", "[fd7a:115c:a1e0::1]:*", "*:443");

  static final String USER = "ansible";
  static final String PASSWORD = "s3cret";

  private static final Set<String> RESULTS =
      Set.of("ok", "denied", "protocol_error", "refused", "unreachable", "timeout", "error");

  private static final Field CUMULATION = cumulationField();

  /** A protocol: how much its decoders may hold, and what a well-formed answer looks like. */
  enum Protocol {
    /** Greeting 2+255, RFC 1929 3+255+255, request 4+1+255+2: each decoder holds one message. */
    SOCKS5(3 + 255 + 255, 257 + 513 + 262),
    /** 8 bytes, a user id and a SOCKS4a name of at most 255 each and their NULs. */
    SOCKS4(8 + 256 + 256, 8 + 256 + 256),
    /**
     * The request line and header limits. Netty skips an invalid request line and reads the next,
     * so the total an HTTP client may send in its handshake is bounded by the deadline, not bytes.
     */
    HTTP(ProtocolDetector.MAX_HTTP_LINE + ProtocolDetector.MAX_HTTP_HEADERS, Integer.MAX_VALUE);

    /** The most bytes the handshake's decoders may hold at once. */
    final int maxBuffered;

    /** After this many bytes the handshake must be over: answered, closed or relaying. */
    final int maxHandshake;

    Protocol(int maxBuffered, int maxHandshake) {
      this.maxBuffered = maxBuffered;
      this.maxHandshake = maxHandshake;
    }
  }

  private HandshakeTrial() {}

  /** Credentials for a listener that requires them. */
  static Credentials credentials() {
    return Credentials.of(USER, PASSWORD);
  }

  /** The protocol the relay detects from a client's first byte, or null for none. */
  static Protocol detect(byte first) {
    if (first == 0x05) {
      return Protocol.SOCKS5;
    }
    if (first == 0x04) {
      return Protocol.SOCKS4;
    }
    return first >= 'A' && first <= 'Z' ? Protocol.HTTP : null;
  }

  /** Runs one client through the relay and checks every invariant. */
  static void check(Credentials credentials, List<byte[]> chunks) throws Exception {
    Protocol protocol = chunks.isEmpty() ? null : detect(chunks.get(0)[0]);
    RecordingLog log = new RecordingLog();
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, credentials, log);
    try {
      run(protocol, credentials, chunks, ch, log);
    } finally {
      ch.finishAndReleaseAll();
      dialer.target.finishAndReleaseAll();
    }
  }

  private static void run(
      Protocol protocol,
      Credentials credentials,
      List<byte[]> chunks,
      EmbeddedChannel ch,
      RecordingLog log)
      throws Exception {
    ConnectionState state = ConnectionState.of(ch);
    long sent = 0;
    for (byte[] chunk : chunks) {
      if (!ch.isOpen()) {
        break;
      }
      ch.writeInbound(Unpooled.wrappedBuffer(chunk)); // rethrows what reached the tail
      sent += chunk.length;
      if (protocol != null) {
        assertThat(buffered(ch))
            .as("bytes held by the %s decoders", protocol)
            .isLessThanOrEqualTo(protocol.maxBuffered);
        if (ch.isOpen() && state.phase.equals("handshake")) {
          assertThat(sent)
              .as("%s bytes sent and the handshake is neither answered nor closed", sent)
              .isLessThanOrEqualTo(protocol.maxHandshake);
        }
      }
    }
    ch.checkException();
    Object leaked = ch.readInbound();
    assertThat(leaked).as("a message reached the pipeline's tail").isNull();

    boolean openAfterInput = ch.isOpen();
    boolean waiting = openAfterInput && state.phase.equals("handshake");
    byte[] written = Embedded.written(ch);
    Reply reply = protocol == null ? Reply.NONE : parse(protocol, credentials, written);
    if (protocol == null) {
      assertThat(written).as("bytes written to a client of no protocol").isEmpty();
    }
    if (reply.refusal()) {
      assertThat(ch.isOpen()).as("open after the refusal %s", reply).isFalse();
    }
    if (waiting) {
      ch.advanceTimeBy(
          RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
      ch.runScheduledPendingTasks();
      assertThat(ch.isOpen()).as("open after the handshake deadline").isFalse();
      assertThat(Embedded.written(ch)).as("written at the deadline").isEmpty();
    } else if (ch.isOpen()) {
      // A forwarded plain HTTP request that was allowed waits for its target's response.
      boolean forwarding = ch.pipeline().get(PipelineNames.HTTP_FORWARDER) != null;
      assertThat(reply.success() || forwarding)
          .as("open without a success reply: %s", reply)
          .isTrue();
      ch.close(); // the client hangs up the tunnel
    }
    ch.runPendingTasks();
    ch.checkException();

    List<ConnectionEvent> requests =
        log.events().stream().filter(ConnectionEvent::isRequest).toList();
    for (ConnectionEvent request : requests) {
      assertThat(request.status())
          .as("a forwarded request's status (0: the client left before a response)")
          .matches(status -> status == 0 || status >= 100 && status <= 599);
      assertThat(request.reason() == null ? "" : request.reason()).doesNotContain("\n", "\r");
    }
    List<ConnectionEvent> events = log.events().stream().filter(e -> !e.isRequest()).toList();
    assertThat(events).as("connection log events").hasSize(1);
    ConnectionEvent event = events.get(0);
    assertThat(event.result()).isIn(RESULTS);
    assertThat(event.reason() == null ? "" : event.reason()).doesNotContain("\n", "\r");
    if (waiting) {
      assertThat(event.result()).isEqualTo("timeout");
      assertThat(event.closedBy()).isEqualTo("idle");
    }
    if (reply.success()) {
      assertThat(event.result()).isEqualTo("ok");
    }
  }

  /** What the client was answered: nothing, a refusal, or the success reply of its protocol. */
  record Reply(String text, boolean refusal, boolean success) {
    static final Reply NONE = new Reply("nothing", false, false);
  }

  /** Parses the bytes written back; fails on anything that is not a whole, ordered reply. */
  static Reply parse(Protocol protocol, Credentials credentials, byte[] out) {
    return switch (protocol) {
      case SOCKS5 -> socks5(credentials, out);
      case SOCKS4 -> socks4(out);
      case HTTP -> http(new String(out, StandardCharsets.ISO_8859_1));
    };
  }

  private static Reply socks5(Credentials credentials, byte[] out) {
    if (out.length == 0) {
      return Reply.NONE;
    }
    assertThat(out.length).as("SOCKS5 method reply length").isGreaterThanOrEqualTo(2);
    assertThat(out[0]).isEqualTo((byte) 0x05);
    int method = out[1] & 0xff;
    if (credentials == null) {
      // 0x02 to a client that offered it beside 0x00: only to read a client tag, never checked.
      assertThat(method).as("SOCKS5 method").isIn(0x00, 0x02, 0xff);
    } else {
      assertThat(method).as("SOCKS5 method").isIn(0x02, 0xff);
    }
    int at = 2;
    if (method == 0xff) {
      assertThat(out.length).as("bytes after method 0xff").isEqualTo(2);
      return new Reply("method 0xff", true, false);
    }
    if (method == 0x02) {
      if (out.length == at) {
        return Reply.NONE;
      }
      assertThat(out.length).as("RFC 1929 reply length").isGreaterThanOrEqualTo(at + 2);
      assertThat(out[at]).isEqualTo((byte) 0x01);
      int status = out[at + 1] & 0xff;
      assertThat(status).as("RFC 1929 status").isIn(0x00, 0xff);
      at += 2;
      if (status != 0) {
        assertThat(out.length).as("bytes after auth failure").isEqualTo(at);
        return new Reply("auth 0xff", true, false);
      }
    }
    if (out.length == at) {
      return Reply.NONE;
    }
    assertThat(out.length).as("SOCKS5 reply length").isEqualTo(at + 10);
    byte[] tail = {0x00, 0x01, 0, 0, 0, 0, 0, 0};
    assertThat(out[at]).isEqualTo((byte) 0x05);
    int rep = out[at + 1] & 0xff;
    assertThat(rep).as("SOCKS5 reply code").isBetween(0x00, 0x08);
    assertThat(java.util.Arrays.copyOfRange(out, at + 2, at + 10)).isEqualTo(tail);
    return new Reply("reply " + rep, rep != 0, rep == 0);
  }

  private static Reply socks4(byte[] out) {
    if (out.length == 0) {
      return Reply.NONE;
    }
    assertThat(out.length).as("SOCKS4 reply length").isEqualTo(8);
    assertThat(out[0]).isEqualTo((byte) 0x00);
    int status = out[1] & 0xff;
    assertThat(status).as("SOCKS4 status").isIn(0x5a, 0x5b);
    for (int i = 2; i < 8; i++) {
      assertThat(out[i]).isZero();
    }
    return new Reply("status " + status, status == 0x5b, status == 0x5a);
  }

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) [^\r\n]*\r\n");

  private static final Map<Integer, String> HTTP_REFUSALS =
      Map.of(
          400, "malformed",
          403, "denied",
          405, "not CONNECT",
          407, "auth",
          414, "request line too long",
          431, "header fields too large",
          502, "dial failed",
          503, "over limit",
          504, "dial timeout",
          505, "not HTTP/1.x");

  private static Reply http(String out) {
    if (out.isEmpty()) {
      return Reply.NONE;
    }
    Matcher m = STATUS_LINE.matcher(out);
    assertThat(m.lookingAt()).as("HTTP status line in %s", out).isTrue();
    int status = Integer.parseInt(m.group(1));
    int end = out.indexOf("\r\n\r\n");
    assertThat(end).as("end of the HTTP headers in %s", out).isGreaterThan(0);
    String head = out.substring(0, end);
    String body = out.substring(end + 4);
    if (status == 200) {
      assertThat(body).as("bytes after 200").isEmpty();
      return new Reply("200", false, true);
    }
    assertThat(HTTP_REFUSALS).as("HTTP status").containsKey(status);
    Matcher length = Pattern.compile("(?i)\r\ncontent-length: (\\d+)").matcher(head);
    assertThat(length.find()).as("content-length in %s", head).isTrue();
    assertThat(body.length()).isEqualTo(Integer.parseInt(length.group(1)));
    assertThat(body).endsWith("\n");
    assertThat(body.substring(0, body.length() - 1)).doesNotContain("\n", "\r");
    return new Reply(String.valueOf(status), true, false);
  }

  /** Bytes the pipeline's decoders hold, waiting for the rest of a message. */
  private static int buffered(EmbeddedChannel ch) throws IllegalAccessException {
    int total = 0;
    for (Map.Entry<String, ChannelHandler> e : ch.pipeline()) {
      if (e.getValue() instanceof ByteToMessageDecoder decoder
          && CUMULATION.get(decoder) instanceof ByteBuf held) {
        total += held.readableBytes();
      }
    }
    return total;
  }

  private static Field cumulationField() {
    try {
      Field f = ByteToMessageDecoder.class.getDeclaredField("cumulation");
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("netty's ByteToMessageDecoder changed", e);
    }
  }
}
