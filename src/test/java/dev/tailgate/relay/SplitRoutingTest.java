package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
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

  @Test
  void aDirectNameThatResolvesToThisHostIsRefused() throws Exception {
    String name = InetAddress.getLocalHost().getHostName();
    assumeTrue(
        InetAddress.getByName(name).isLoopbackAddress() && !name.startsWith("localhost"),
        "this host's name resolves to a loopback address");
    startRelay(UpstreamGate.OPEN, name + ":" + target.port() + " via direct");

    String refused = get(name);

    assertThat(refused).startsWith("HTTP/1.1 502").contains(name + " resolved to 127.");
    assertThat(target.accepted).hasValue(0);
    assertThat(log.await(1, Duration.ofSeconds(5)).result()).isEqualTo("denied");
  }
}
