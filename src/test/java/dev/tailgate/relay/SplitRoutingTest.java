package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.testing.SocksClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Split routing on real sockets: a rule's {@code via direct} target is dialled from this host, past
 * a gate that never opens; every other target still goes to the upstream, here a scripted one that
 * records and fails.
 */
class SplitRoutingTest {
  private KeepAliveServer target;
  private DirectRelay relay;
  private final ScriptedDialer upstream =
      ScriptedDialer.failing(DialFailure.refused("the scripted upstream refuses"));
  private final RecordingLog log = new RecordingLog();

  @BeforeEach
  void startTarget() throws IOException {
    target = KeepAliveServer.start();
  }

  private void startRelay(UpstreamGate gate, String... rules) throws Exception {
    relay = DirectRelay.start(List.of(rules), upstream, gate, log);
  }

  @AfterEach
  void stop() throws Exception {
    if (relay != null) {
      relay.close();
    }
    target.close();
  }

  /** The status line and body of one forwarded GET on a connection of its own. */
  private String get(String host) throws IOException {
    try (ProxyClient client = new ProxyClient(relay.port())) {
      return client.send("GET", host + ":" + target.port(), "");
    }
  }

  @Test
  void aDirectTargetIsDialledFromThisHostWithoutTheUpstream() throws Exception {
    startRelay(new ScriptedGate(), "localhost:" + target.port() + " via direct");

    assertThat(get("localhost")).isEqualTo("HTTP/1.1 200 OK\nok");
    assertThat(upstream.dialed).isEmpty();
    assertThat(target.accepted).hasValue(1);
  }

  @Test
  void otherTargetsStillGoThroughTheUpstreamAndNoRuleStillRefuses() throws Exception {
    startRelay(
        UpstreamGate.OPEN,
        "localhost:" + target.port() + " via direct",
        "127.0.0.1:" + target.port());

    assertThat(get("127.0.0.1")).startsWith("HTTP/1.1 502");
    assertThat(get("127.0.0.2")).startsWith("HTTP/1.1 403");

    assertThat(upstream.dialed).containsExactly("127.0.0.1:" + target.port());
    assertThat(target.accepted).hasValue(0);
  }

  /** This host's name, when it resolves to loopback (then a direct rule for it is guarded). */
  private static String loopbackName() throws IOException {
    String name = InetAddress.getLocalHost().getHostName();
    assumeTrue(
        InetAddress.getByName(name).isLoopbackAddress() && !name.startsWith("localhost"),
        "this host's name resolves to a loopback address");
    return name;
  }

  @Test
  void aDirectNameThatResolvesToThisHostIsRefusedWith403() throws Exception {
    String name = loopbackName();
    startRelay(UpstreamGate.OPEN, name + ":" + target.port() + " via direct");

    String refused = get(name);

    assertThat(refused).startsWith("HTTP/1.1 403").contains(name + " resolved to 127.");
    assertThat(target.accepted).hasValue(0);
    ConnectionEvent line = log.await(1, Duration.ofSeconds(5));
    assertThat(line.status()).isEqualTo(403);
    assertThat(line.result()).isEqualTo("denied");
    assertThat(line.reason()).contains(name + " resolved to 127.");
  }

  @Test
  void aGuardedDirectDialIsRefusedAsNotAllowedInConnectAndSocks() throws Exception {
    String name = loopbackName();
    startRelay(UpstreamGate.OPEN, name + ":" + target.port() + " via direct");
    InetSocketAddress listener = relay.server.address();

    assertThat(SocksClient.reply(listener, name, target.port()))
        .as("SOCKS5 0x02, not allowed by ruleset")
        .isEqualTo(0x02);
    assertThat(new String(exchange(connectRequest(name)), StandardCharsets.ISO_8859_1))
        .startsWith("HTTP/1.1 403")
        .contains("resolved to");
    assertThat(exchange(socks4aRequest(name))[1]).as("SOCKS4 rejected").isEqualTo((byte) 0x5b);

    assertThat(target.accepted).hasValue(0);
    assertThat(log.await(3, Duration.ofSeconds(5)).result()).isEqualTo("denied");
    assertThat(log.events())
        .filteredOn(e -> !e.isRequest())
        .extracting(ConnectionEvent::result, e -> e.reason().contains(name + " resolved to 127."))
        .containsOnly(tuple("denied", true));
  }

  private byte[] connectRequest(String name) {
    String request = "CONNECT " + name + ":" + target.port() + " HTTP/1.1\r\n\r\n";
    return request.getBytes(StandardCharsets.US_ASCII);
  }

  private byte[] socks4aRequest(String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        new byte[] {4, 1, (byte) (target.port() >> 8), (byte) target.port(), 0, 0, 0, 1});
    out.write(0);
    out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
    out.write(0);
    return out.toByteArray();
  }

  /** Sends {@code request} on a connection of its own and reads until the relay closes it. */
  private byte[] exchange(byte[] request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request);
      return s.getInputStream().readAllBytes();
    }
  }
}
