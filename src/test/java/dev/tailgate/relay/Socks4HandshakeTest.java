package dev.tailgate.relay;

import static dev.tailgate.relay.Embedded.hex;
import static dev.tailgate.relay.Embedded.writtenHex;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class Socks4HandshakeTest {
  private static final List<String> RULES = List.of("*.example.ts.net:22", "100.64.0.0/10:*");
  private static final String GRANTED = "005a000000000000";
  private static final String REJECTED = "005b000000000000";

  private final RecordingLog log = new RecordingLog();

  private static String hexOf(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void connectsSocks4ToAnAllowedAddress() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(hex("04 01 0016 64400001" + hexOf("user") + "00"));

    assertThat(writtenHex(ch)).isEqualTo(GRANTED);
    assertThat(dialer.dialed).containsExactly("100.64.0.1:22");
    ch.close();
    assertThat(log.last().proto()).isEqualTo("socks4");
    assertThat(log.last().result()).isEqualTo("ok");
  }

  @Test
  void connectsSocks4aByNameWithoutResolvingIt() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(hex("04 01 0016 00000001 00" + hexOf("db1.example.ts.net") + "00"));

    assertThat(writtenHex(ch)).isEqualTo(GRANTED);
    assertThat(dialer.dialed).containsExactly("db1.example.ts.net:22");
  }

  @Test
  void deniesTargetOutsideAllowlistWith5b() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, null, log);

    ch.writeInbound(hex("04 01 0050 00000001 00" + hexOf("db1.example.ts.net") + "00"));

    assertThat(writtenHex(ch)).isEqualTo(REJECTED);
    assertThat(ch.isOpen()).isFalse();
    assertThat(dialer.dialed).isEmpty();
    assertThat(log.last().result()).isEqualTo("denied");
  }

  @Test
  void rejectsBind() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);

    ch.writeInbound(hex("04 02 0016 64400001 00"));

    assertThat(writtenHex(ch)).isEqualTo(REJECTED);
    assertThat(log.last().result()).isEqualTo("protocol_error");
  }

  @Test
  void rejectsSocks4WhenPasswordsAreRequired() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = Embedded.client(RULES, dialer, Credentials.of("a", "b"), log);

    ch.writeInbound(hex("04 01 0016 64400001 00"));

    assertThat(writtenHex(ch)).isEqualTo(REJECTED);
    assertThat(dialer.dialed).isEmpty();
    assertThat(log.last().result()).isEqualTo("denied");
  }

  @Test
  void rejectsWhenDialFails() throws Exception {
    EmbeddedChannel ch =
        Embedded.client(RULES, ScriptedDialer.failing(DialFailure.refused("no")), null, log);

    ch.writeInbound(hex("04 01 0016 64400001 00"));

    assertThat(writtenHex(ch)).isEqualTo(REJECTED);
    assertThat(log.last().result()).isEqualTo("refused");
  }

  @Test
  void answersASocks4aNameNettyCannotReadWith5BAndCloses() throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, ScriptedDialer.succeeding(), null, log);
    String longLabel = HexFormat.of().formatHex("a".repeat(64).getBytes(StandardCharsets.US_ASCII));

    ch.writeInbound(hex("04 01 0016 00000001 00" + longLabel + "00"));

    ch.checkException();
    assertThat(writtenHex(ch)).isEqualTo("005b000000000000");
    assertThat(ch.isOpen()).isFalse();
    assertThat(log.events()).hasSize(1);
    assertThat(log.last().result()).isEqualTo("protocol_error");
  }
}
