package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.testing.RunningProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.opentest4j.TestAbortedException;

/**
 * tailgate against the real thing: headscale, two real userspace tailscaled, sshd, curl, ssh and
 * Chromium, on the loopback of a network namespace of the test's own (docs/e2e.md). The tailnet
 * comes up once; the scenarios run in order on it, the kill of tailscaled last but one.
 *
 * <p>Issue 5's scenarios 1 (ssh and Ansible with the generated config) and 5 as seen by {@code
 * tailgate inventory} wait for those commands; until then scenario 5 reads the gateway's LocalAPI
 * through {@code tailscale status --json}, and scenario 4 runs curl and ssh in a loop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealTailnetTest {
  private RealTailnet net;
  private String singleUseKey;
  private String page;
  private String skipped;

  @BeforeAll
  void bringUpTheTailnet() throws Exception {
    Binaries bin;
    try {
      bin = Binaries.require();
    } catch (TestAbortedException e) {
      // Aborted here, the class would be counted as 0 tests run; skip each test instead, so that
      // Surefire's summary shows them skipped, with the reason.
      skipped = e.getMessage();
      System.out.println("e2e: " + skipped);
      return;
    }
    net = new RealTailnet(bin);
    try {
      net.startTailnet();
      singleUseKey = net.headscale.createKey(net.userId, false);
      GatewayStart.measure(net, net.upArgs(singleUseKey));
      page = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/";
    } catch (Throwable e) {
      System.out.println("e2e: setup failed; logs in " + net.logs);
      throw e;
    }
  }

  @BeforeEach
  void skipWithoutTheTools() {
    Assumptions.assumeTrue(skipped == null, skipped);
  }

  @AfterAll
  void tearDown() {
    if (net != null) {
      net.close();
    }
  }

  private RunningProcess.Result client(List<String> command) throws Exception {
    return net.clients.run(command, Duration.ofSeconds(90));
  }

  private long requestsOnPort(int port) throws Exception {
    return net.peerRequests().stream().filter(r -> r.path("port").asInt() == port).count();
  }

  /**
   * The connection log's lines for {@code host:port}, once there are at least {@code atLeast}: the
   * log is written by a thread of its own, just after the client sees the end.
   */
  private List<JsonNode> logLinesFor(String host, int port, int atLeast) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      List<JsonNode> lines =
          net.connectionLog().stream()
              .filter(l -> host.equals(l.path("target_host").asText()))
              .filter(l -> l.path("target_port").asInt() == port)
              .toList();
      if (lines.size() >= atLeast || System.nanoTime() > deadline) {
        return lines;
      }
      Thread.sleep(50);
    }
  }

  private List<JsonNode> logLinesFor(String host, int port, String proto) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      List<JsonNode> lines =
          logLinesFor(host, port, 1).stream()
              .filter(l -> proto.equals(l.path("proto").asText()))
              .toList();
      if (!lines.isEmpty() || System.nanoTime() > deadline) {
        return lines;
      }
      Thread.sleep(50);
    }
  }

  @Test
  @Order(1)
  void curlGetsThePeersPageByMagicDnsNameThroughSocks5h() throws Exception {
    RunningProcess.Result r = client(Clients.curlSocks5h(RealTailnet.RELAY_PORT, page));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains(net.marker);
    assertThat(logLinesFor(net.peerName, RealTailnet.HTTP_PORT, "socks5"))
        .anySatisfy(l -> assertThat(l.path("result").asText()).isEqualTo("ok"));
  }

  @Test
  @Order(2)
  void curlGetsThePeersPageThroughHttpConnect() throws Exception {
    RunningProcess.Result r = client(Clients.curlConnect(RealTailnet.RELAY_PORT, page));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains(net.marker);
    assertThat(logLinesFor(net.peerName, RealTailnet.HTTP_PORT, "http"))
        .anySatisfy(l -> assertThat(l.path("result").asText()).isEqualTo("ok"));
  }

  @Test
  @Order(3)
  void headlessChromiumLoadsThePeersPageThroughTheRelay() throws Exception {
    long t = System.nanoTime();
    RunningProcess.Result r =
        client(Clients.chromium(RealTailnet.RELAY_PORT, page, net.run.resolve("chromium")));
    net.timings.phase("scenario 2: headless Chromium --dump-dom", Timings.since(t));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("<h1 id=\"marker\">" + net.marker + "</h1>");
  }

  @Test
  @Order(4)
  void sshRunsTrueOnThePeerByMagicDnsNameThroughTheRelay() throws Exception {
    RunningProcess.Result r = client(net.sshd.ssh(net.peerName, RealTailnet.RELAY_PORT, "true"));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(logLinesFor(net.peerName, RealTailnet.SSH_PORT, 1))
        .anySatisfy(l -> assertThat(l.path("result").asText()).isEqualTo("ok"));
  }

  @Test
  @Order(5)
  void refusesATargetOutsideTheAllowlistLogsItAndNothingReachesThePeer() throws Exception {
    String denied = "http://" + net.peerName + ":" + RealTailnet.DENIED_PORT + "/";
    long before = requestsOnPort(RealTailnet.DENIED_PORT);

    RunningProcess.Result socks = client(Clients.curlSocks5h(RealTailnet.RELAY_PORT, denied));
    RunningProcess.Result connect = client(Clients.curlConnect(RealTailnet.RELAY_PORT, denied));
    RunningProcess.Result raw =
        client(
            List.of(
                "python3",
                "-c",
                Socks5Probe.SCRIPT,
                Integer.toString(RealTailnet.RELAY_PORT),
                net.peerName,
                Integer.toString(RealTailnet.DENIED_PORT)));

    assertThat(socks.exitCode()).as(socks.output()).isNotZero();
    assertThat(connect.exitCode()).as(connect.output()).isNotZero();
    assertThat(connect.output()).contains("403");
    assertThat(raw.output().strip()).as("SOCKS5 reply code").isEqualTo("reply 0x02");
    assertThat(logLinesFor(net.peerName, RealTailnet.DENIED_PORT, 3))
        .hasSizeGreaterThanOrEqualTo(3)
        .allSatisfy(
            l -> {
              assertThat(l.path("decision").asText()).isEqualTo("deny");
              assertThat(l.path("result").asText()).isEqualTo("denied");
              assertThat(l.path("reason").asText()).isNotBlank();
            });
    assertThat(requestsOnPort(RealTailnet.DENIED_PORT))
        .as("requests the peer saw")
        .isEqualTo(before);
  }

  @Test
  @Order(6)
  void refusesTheHostsLoopbackWhichTailscaledsOwnPortWouldReach() throws Exception {
    String loopback = "http://127.0.0.1:" + RealTailnet.HTTP_PORT + "/";
    long before = requestsOnPort(RealTailnet.HTTP_PORT);

    RunningProcess.Result viaRelay = client(Clients.curlSocks5h(RealTailnet.RELAY_PORT, loopback));
    assertThat(viaRelay.exitCode()).as(viaRelay.output()).isNotZero();
    assertThat(requestsOnPort(RealTailnet.HTTP_PORT)).isEqualTo(before);

    // The reason the relay is there: tailscaled's own port dials the host's loopback.
    RunningProcess.Result viaDaemon =
        client(Clients.curlSocks5h(RealTailnet.GATEWAY_SOCKS_PORT, loopback));
    assertThat(viaDaemon.output()).contains(net.marker);
  }

  @Test
  @Order(7)
  void gatewayStatusListsThePeerWithTagsOsAndOnlineAsHeadscaleReports() throws Exception {
    JsonNode status = net.gatewayStatus();
    JsonNode peer = null;
    for (JsonNode p : status.path("Peer")) {
      if (RealTailnet.PEER.equals(p.path("HostName").asText())) {
        peer = p;
      }
    }
    assertThat(peer).as("the gateway's LocalAPI lists the peer: " + status).isNotNull();
    JsonNode inHeadscale = net.headscale.node(RealTailnet.PEER);
    JsonNode peerSelf = net.peer.status().path("Self");

    assertThat(peer.path("DNSName").asText()).isEqualTo(net.peerName + ".");
    assertThat(texts(peer.path("Tags"))).containsExactly(Headscale.TAG);
    assertThat(texts(peer.path("Tags"))).isEqualTo(texts(inHeadscale.path("tags")));
    assertThat(peer.path("Online").asBoolean()).isTrue();
    assertThat(inHeadscale.path("online").asBoolean()).isTrue();
    // headscale's CLI does not print the OS; it passes on what the peer reported as Hostinfo.
    assertThat(peer.path("OS").asText()).isEqualTo("linux").isEqualTo(peerSelf.path("OS").asText());
    assertThat(texts(peer.path("TailscaleIPs"))).isEqualTo(texts(inHeadscale.path("ip_addresses")));
  }

  @Test
  @Order(8)
  void throughputOfOneStreamThroughTailgateBesideTailscaledsOwnPort() throws Exception {
    Throughput.measure(net);
  }

  @Test
  @Order(9)
  void survivesKill9OfTailscaledWithTheSameStateNoNewKeyAndNoFailedRequest() throws Exception {
    Recovery.run(net, singleUseKey);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
