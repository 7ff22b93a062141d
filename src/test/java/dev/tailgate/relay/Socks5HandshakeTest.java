package dev.tailgate.relay;

import static dev.tailgate.relay.Embedded.hex;
import static dev.tailgate.relay.Embedded.writtenHex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Socks5HandshakeTest {
  private static final List<String> RULES = List.of("*.example.ts.net:22", "100.64.0.0/10:*");

  /** CONNECT db1.example.ts.net:22 with ATYP 3. */
  private static final String CONNECT_DB1 = "05 01 00 03 12" + hexOf("db1.example.ts.net") + "0016";

  private static final String REPLY_SUCCESS = "05000001000000000000";

  private final RecordingLog log = new RecordingLog();

  private static String hexOf(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static String reply(int status) {
    return String.format("05%02x0001000000000000", status);
  }

  @Test
  void connectsAllowedNameAndPassesItUpstreamUnresolved() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(hex("05 01 00"));
    assertThat(writtenHex(ch)).isEqualTo("0500");
    ch.writeInbound(hex(CONNECT_DB1));
    assertThat(writtenHex(ch)).isEqualTo(REPLY_SUCCESS);
    assertThat(dialer.dialed).containsExactly("db1.example.ts.net:22");

    ch.writeInbound(Unpooled.copiedBuffer("SSH-2.0-test\r\n", StandardCharsets.US_ASCII));
    assertThat(Embedded.writtenText(dialer.target)).isEqualTo("SSH-2.0-test\r\n");
    dialer.target.writeInbound(
        Unpooled.copiedBuffer("SSH-2.0-peer\r\n", StandardCharsets.US_ASCII));
    assertThat(Embedded.writtenText(ch)).isEqualTo("SSH-2.0-peer\r\n");

    ch.close();
    ConnectionEvent e = log.last();
    assertThat(e.proto()).isEqualTo("socks5");
    assertThat(e.result()).isEqualTo("ok");
    assertThat(e.decision()).isEqualTo("allow");
    assertThat(e.rule()).isEqualTo("*.example.ts.net:22");
    assertThat(e.bytesUp()).isEqualTo(14);
    assertThat(e.bytesDown()).isEqualTo(14);
    assertThat(e.reason()).isNull();
  }

  @Test
  void handlesGreetingAndConnectSentTogetherBeforeAnyReply() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(hex("05 01 00" + CONNECT_DB1 + hexOf("early")));

    assertThat(writtenHex(ch)).isEqualTo("0500" + REPLY_SUCCESS);
    assertThat(Embedded.writtenText(dialer.target)).isEqualTo("early");
  }

  @Test
  void deniesTargetOutsideAllowlistWithReply02() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(hex("05 01 00"));
    ch.writeInbound(hex("05 01 00 03 12" + hexOf("db1.example.ts.net") + "0050"));

    assertThat(writtenHex(ch)).isEqualTo("0500" + reply(0x02));
    assertThat(ch.isOpen()).isFalse();
    assertThat(dialer.dialed).isEmpty();
    ConnectionEvent e = log.last();
    assertThat(e.decision()).isEqualTo("deny");
    assertThat(e.result()).isEqualTo("denied");
    assertThat(e.rule()).isNull();
    assertThat(e.reason()).contains("db1.example.ts.net:80");
    assertThat(e.closedBy()).isEqualTo("relay");
  }

  @Test
  void deniesLoopbackInDisguiseEvenUnderWildcard() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(List.of("*:*"), dialer, null, log);

    ch.writeInbound(hex("05 01 00"));
    ch.writeInbound(hex("05 01 00 03 0a" + hexOf("0x7f000001") + "0016"));

    assertThat(writtenHex(ch)).isEqualTo("0500" + reply(0x02));
    assertThat(dialer.dialed).isEmpty();
    assertThat(log.last().rule()).startsWith("builtin:");
  }

  @ParameterizedTest(name = "{0} -> 0x{1}")
  @MethodSource("unsupportedCommands")
  void refusesBindAndUdpAssociateWithReply07(String command, int expected) throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(hex("05 01 00"));
    ch.writeInbound(hex("05" + command + "00 01 64400001 0016"));

    assertThat(writtenHex(ch)).isEqualTo("0500" + reply(expected));
    assertThat(dialer.dialed).isEmpty();
    assertThat(log.last().result()).isEqualTo("protocol_error");
  }

  static Stream<Arguments> unsupportedCommands() {
    return Stream.of(Arguments.of("02", 0x07), Arguments.of("03", 0x07));
  }

  @Test
  void refusesUnknownAddressTypeWithReply08() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("05 01 00"));
    ch.writeInbound(hex("05 01 00 09 64400001 0016"));

    assertThat(writtenHex(ch)).isEqualTo("0500" + reply(0x08));
    assertThat(ch.isOpen()).isFalse();
    assertThat(log.last().result()).isEqualTo("protocol_error");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dialFailures")
  void repliesWithTheCodeOfTheDialFailure(String name, DialFailure failure, int code, String result)
      throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.failing(failure), null, log);

    ch.writeInbound(hex("05 01 00"));
    ch.writeInbound(hex(CONNECT_DB1));

    assertThat(writtenHex(ch)).isEqualTo("0500" + reply(code));
    assertThat(ch.isOpen()).isFalse();
    ConnectionEvent e = log.last();
    assertThat(e.result()).isEqualTo(result);
    assertThat(e.decision()).isEqualTo("allow");
    assertThat(e.reason()).isEqualTo(failure.reason());
  }

  static Stream<Arguments> dialFailures() {
    return Stream.of(
        Arguments.of("refused", DialFailure.refused("r"), 0x05, "refused"),
        Arguments.of("host unreachable", DialFailure.hostUnreachable("h"), 0x04, "unreachable"),
        Arguments.of("net unreachable", DialFailure.networkUnreachable("n"), 0x03, "unreachable"),
        Arguments.of("timeout", DialFailure.timeout("t"), 0x06, "timeout"),
        Arguments.of("upstream down", DialFailure.upstream("error", "u"), 0x01, "error"),
        Arguments.of("upstream says 0x01", DialFailure.upstreamReply((byte) 1), 0x01, "error"),
        Arguments.of(
            "upstream says 0x04", DialFailure.upstreamReply((byte) 4), 0x04, "unreachable"));
  }

  @Test
  void refusesClientThatOffersNoAcceptableMethod() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("05 01 02"));

    assertThat(writtenHex(ch)).isEqualTo("05ff");
    assertThat(ch.isOpen()).isFalse();
    assertThat(log.last().result()).isEqualTo("denied");
  }

  @Test
  void requiresUsernameAndPasswordWhenConfigured() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, Credentials.of("ansible", "s3cret"), log);

    ch.writeInbound(hex("05 02 00 02"));
    assertThat(writtenHex(ch)).isEqualTo("0502");
    ch.writeInbound(hex("01 07" + hexOf("ansible") + "06" + hexOf("s3cret")));
    assertThat(writtenHex(ch)).isEqualTo("0100");
    ch.writeInbound(hex(CONNECT_DB1));
    assertThat(writtenHex(ch)).isEqualTo(REPLY_SUCCESS);
  }

  @Test
  void logsTheClientTagFromTheUsernameWithoutCredentialsConfigured() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);
    String field = "#tailgate-tag:web1@Deploy";

    ch.writeInbound(hex("05 02 00 02"));
    assertThat(writtenHex(ch)).isEqualTo("0502");
    ch.writeInbound(hex(String.format("01 %02x", field.length()) + hexOf(field) + "00"));
    assertThat(writtenHex(ch)).isEqualTo("0100");
    ch.writeInbound(hex(CONNECT_DB1));
    assertThat(writtenHex(ch)).isEqualTo(REPLY_SUCCESS);
    ch.close();

    assertThat(log.last().clientTag()).isEqualTo("web1@Deploy");
    assertThat(log.last().result()).isEqualTo("ok");
  }

  @Test
  void neitherChecksNorKeepsAUsernameWithoutTheMarkerWhenNoCredentialsAreConfigured()
      throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("05 02 00 02"));
    writtenHex(ch);
    ch.writeInbound(hex("01 05" + hexOf("alice") + "06" + hexOf("s3cret")));
    assertThat(writtenHex(ch)).isEqualTo("0100");
    ch.writeInbound(hex(CONNECT_DB1));
    assertThat(writtenHex(ch)).isEqualTo(REPLY_SUCCESS);
    ch.close();

    assertThat(log.last().clientTag()).isNull();
    assertThat(log.last().toString()).doesNotContain("alice").doesNotContain("s3cret");
  }

  @Test
  void checksTheUserBeforeTheTagAndLogsTheTagEitherWay() throws Exception {
    String good = "ansible#tailgate-tag:web1";
    EmbeddedChannel ch =
        Embedded.client(
            RULES, ScriptedDialer.succeeding(), Credentials.of("ansible", "s3cret"), log);
    ch.writeInbound(hex("05 02 00 02"));
    assertThat(writtenHex(ch)).isEqualTo("0502");
    ch.writeInbound(
        hex(String.format("01 %02x", good.length()) + hexOf(good) + "06" + hexOf("s3cret")));
    assertThat(writtenHex(ch)).isEqualTo("0100");
    ch.writeInbound(hex(CONNECT_DB1));
    assertThat(writtenHex(ch)).isEqualTo(REPLY_SUCCESS);
    ch.close();
    assertThat(log.last().clientTag()).isEqualTo("web1");

    // A tag alone is no user: the relay with an auth-file refuses it, and says whose it was.
    String alone = "#tailgate-tag:web2";
    EmbeddedChannel other =
        Embedded.client(
            RULES, ScriptedDialer.succeeding(), Credentials.of("ansible", "s3cret"), log);
    other.writeInbound(hex("05 02 00 02"));
    writtenHex(other);
    other.writeInbound(hex(String.format("01 %02x", alone.length()) + hexOf(alone) + "00"));
    assertThat(writtenHex(other)).isEqualTo("01ff");
    ConnectionEvent refused = log.await(2, java.time.Duration.ofSeconds(5));
    assertThat(refused.result()).isEqualTo("denied");
    assertThat(refused.clientTag()).isEqualTo("web2");
  }

  @Test
  void refusesWrongPasswordAndNeverLogsIt() throws Exception {
    EmbeddedChannel ch =
        Embedded.client(
            RULES, ScriptedDialer.succeeding(), Credentials.of("ansible", "s3cret"), log);

    ch.writeInbound(hex("05 01 02"));
    writtenHex(ch);
    ch.writeInbound(hex("01 07" + hexOf("ansible") + "07" + hexOf("guessed")));

    assertThat(writtenHex(ch)).isEqualTo("01ff"); // RFC 1929: any non-zero status is a failure
    assertThat(ch.isOpen()).isFalse();
    ConnectionEvent e = log.last();
    assertThat(e.result()).isEqualTo("denied");
    assertThat(e.toString()).doesNotContain("guessed").doesNotContain("s3cret");
  }

  @Test
  void refusesNoAuthClientWhenPasswordRequired() throws Exception {
    EmbeddedChannel ch =
        Embedded.client(RULES, ScriptedDialer.succeeding(), Credentials.of("a", "b"), log);

    ch.writeInbound(hex("05 01 00"));

    assertThat(writtenHex(ch)).isEqualTo("05ff");
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void answersWrongVersionInCommandWithGeneralFailure() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("05 01 00"));
    ch.writeInbound(hex("04 01 00 01 64400001 0016"));

    assertThat(writtenHex(ch)).isEqualTo("0500" + reply(0x01));
    assertThat(ch.isOpen()).isFalse();
    assertThat(log.last().result()).isEqualTo("protocol_error");
  }

  @Test
  void logsTruncatedGreetingAsProtocolError() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("05 03 00"));
    ch.close();

    assertThat(Embedded.written(ch)).isEmpty();
    ConnectionEvent e = log.last();
    assertThat(e.result()).isEqualTo("protocol_error");
    assertThat(e.proto()).isEqualTo("socks5");
  }

  @Test
  void closesClientThatStallsMidHandshakeAtTheDeadline() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("05"));
    ch.advanceTimeBy(9, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(2, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();

    assertThat(ch.isOpen()).isFalse();
    ConnectionEvent e = log.last();
    assertThat(e.result()).isEqualTo("timeout");
    assertThat(e.closedBy()).isEqualTo("idle");
  }

  @Test
  void closesUnknownProtocolAtOnceWithALogLine() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ByteBuf tls = hex("16 03 01 00 05");
    ch.writeInbound(tls);

    assertThat(ch.isOpen()).isFalse();
    ConnectionEvent e = log.last();
    assertThat(e.result()).isEqualTo("protocol_error");
    assertThat(e.reason()).contains("0x16");
    assertThat(e.proto()).isNull();
  }

  @Test
  void refusesAGreetingWithoutAnAcceptableMethodWhenTheRequestIsPipelinedBehindIt()
      throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("05 01 02" + "05 01 00 01 64400001 0016"));

    assertThat(writtenHex(ch)).isEqualTo("05ff");
    assertThat(ch.isOpen()).isFalse();
    assertThat(log.events()).hasSize(1);
    assertThat(log.last().result()).isEqualTo("denied");
  }

  @Test
  void refusesAWrongPasswordWhenTheRequestIsPipelinedBehindIt() throws Exception {
    EmbeddedChannel ch =
        Embedded.client(
            RULES, ScriptedDialer.succeeding(), Credentials.of("ansible", "s3cret"), log);

    ch.writeInbound(
        hex("05 01 02" + "01 07" + hexOf("ansible") + "07" + hexOf("guessed") + CONNECT_DB1));

    assertThat(writtenHex(ch)).isEqualTo("0502" + "01ff");
    assertThat(ch.isOpen()).isFalse();
    assertThat(log.events()).hasSize(1);
    assertThat(log.last().result()).isEqualTo("denied");
  }
}
