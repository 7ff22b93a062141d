package dev.tailgate.relay;

import dev.tailgate.localpeer.LocalPeers;
import dev.tailgate.policy.Allowlist;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Builds a client pipeline on an {@link EmbeddedChannel}, exactly as the listener would. */
final class Embedded {
  private Embedded() {}

  static EmbeddedChannel client(
      List<String> rules, UpstreamDialer dialer, Credentials credentials, RecordingLog log)
      throws Exception {
    return client(rules, dialer, UpstreamGate.OPEN, credentials, log);
  }

  static EmbeddedChannel client(
      List<String> rules,
      UpstreamDialer dialer,
      UpstreamGate gate,
      Credentials credentials,
      RecordingLog log)
      throws Exception {
    return client(Allowlist.parse(rules), dialer, gate, credentials, log);
  }

  static EmbeddedChannel client(
      Allowlist allowlist,
      UpstreamDialer dialer,
      UpstreamGate gate,
      Credentials credentials,
      RecordingLog log) {
    RelaySettings settings =
        new RelaySettings(
            new InetSocketAddress("127.0.0.1", 0),
            RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
            RelaySettings.DEFAULT_DIAL_TIMEOUT,
            Duration.ZERO,
            credentials);
    AtomicReference<Policy> policy =
        new AtomicReference<>(new Policy(allowlist, settings.limits()));
    Tunneler tunneler = new Tunneler(policy, dialer, gate, new RelayStats(), Duration.ZERO);
    return new EmbeddedChannel(
        new RelayInitializer(
            tunneler, settings, policy, log, new RelayStats(), LocalPeers.system(), null));
  }

  static ByteBuf hex(String hex) {
    return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex.replace(" ", "")));
  }

  static ByteBuf ascii(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
  }

  /** Everything the channel has written so far, as bytes. */
  static byte[] written(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object msg; (msg = ch.readOutbound()) != null; ) {
      ByteBuf buf = (ByteBuf) msg;
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      buf.release();
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  static String writtenHex(EmbeddedChannel ch) {
    return HexFormat.of().formatHex(written(ch));
  }

  static String writtenText(EmbeddedChannel ch) {
    return new String(written(ch), StandardCharsets.ISO_8859_1);
  }
}
