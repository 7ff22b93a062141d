package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.ansible.TailnetPeers;
import dev.tailgate.config.ConfigFile;
import dev.tailgate.config.Located;
import dev.tailgate.gateway.PeerFeed;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.PeerList;
import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Issue 19 on the real tailnet (one tailnet for the class): a {@code tag:} rule admits headscale's
 * tagged peer by name and by address and refuses an untagged one; a stopped peer is refused at once
 * as offline, timed against tailscaled's own answer in the same run, counted on /metrics, and shown
 * in Ansible's UNREACHABLE; {@code rules suggest} on the run's log, by name and {@code --by-tag},
 * gives rules that admit exactly what was refused; the gateway, an ephemeral node with a reusable
 * key, comes back from a kill -9 as a new node without a prompt, the old one removed by headscale,
 * and leaves headscale on {@code down --logout}.
 */
class TailnetRulesIT extends OnRealTailnet {
  private static final String PLAIN = "plain";
  private static final int PLAIN_WG_PORT = 41643;
  private static final int PLAIN_SOCKS_PORT = 1057;

  /** Nothing listens there: an online peer answers it with a refusal at once. */
  private static final int PLAIN_PORT = 8003;

  /** Names under the suffix may use it: a name no peer has is admitted, then answered. */
  private static final int ANY_NAME_PORT = 8004;

  /** The gateway's rule for the tagged peer: its web server, a dead port, and ssh for Ansible. */
  private static final String TAG_RULE =
      Headscale.TAG
          + ":"
          + RealTailnet.HTTP_PORT
          + ","
          + RealTailnet.DEAD_PORT
          + ","
          + RealTailnet.SSH_PORT;

  private PeerNode plain;
  private String peerIp;
  private String plainName;
  private String plainIp;
  private long gatewayUpAt;
  private Instant lastCurl = Instant.EPOCH;

  /** headscale removes an ephemeral node that stays away as soon as it allows. */
  @Override
  void configure(RealTailnet tailnet) {
    tailnet.ephemeralTimeout = Headscale.SHORTEST_EPHEMERAL_TIMEOUT;
  }

  @Override
  void bringUp(Binaries bin) throws Exception {
    peerIp = net.peer.status().path("Self").path("TailscaleIPs").get(0).asText();
    plain =
        PeerNode.start(
            net.ns,
            bin.tailscaled(),
            bin.tailscale(),
            net.run.resolve("plain"),
            net.logs.resolve("plain-tailscaled.log"),
            PLAIN,
            PLAIN_WG_PORT,
            PLAIN_SOCKS_PORT,
            net.headscale.createKey(net.userId, false),
            List.of(),
            RealTailnet.TAILSCALED_ENV);
    plainName = plain.dnsName();
    plainIp = plain.status().path("Self").path("TailscaleIPs").get(0).asText();
    // Reusable: the gateway is ephemeral (--state=mem:), so a restart of its tailscaled is a new
    // node that logs in again with the same key.
    List<String> args =
        new ArrayList<>(net.upArgs(net.headscale.createEphemeralKey(net.userId, true)));
    int allow = args.indexOf("--allow");
    args.set(allow + 1, TAG_RULE);
    args.addAll(
        List.of(
            "--allow",
            plainName + ":" + PLAIN_PORT + "," + RealTailnet.SSH_PORT,
            "--allow",
            "*." + Headscale.BASE_DOMAIN + ":" + ANY_NAME_PORT,
            "--ephemeral"));
    RunningProcess up = net.startGateway(args);
    TailgateCli.awaitReady(up, net.tailgateLog, Duration.ofSeconds(120));
    gatewayUpAt = System.nanoTime();
  }

  @Override
  void stopMore() {
    if (plain != null) {
      plain.close();
    }
  }

  private Clients.Timed curl(String host, int port) throws Exception {
    lastCurl = Instant.now();
    return net.clients.timed(
        Clients.curlSocks5h(RealTailnet.RELAY_PORT, "http://" + host + ":" + port + "/"),
        Duration.ofSeconds(90));
  }

  /**
   * The log's last line for {@code host:port} from the last {@link #curl}, once written: the log
   * has a thread of its own that writes a burst of lines together, so a line from an earlier
   * request may be the last one for a few milliseconds after the client has its answer.
   */
  private JsonNode lastLine(String host, int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      List<JsonNode> lines =
          net.connectionLog().stream()
              .filter(l -> host.equals(l.path("target_host").asText()))
              .filter(l -> l.path("target_port").asInt() == port)
              .filter(l -> !Instant.parse(l.path("ts").asText()).isBefore(lastCurl))
              .toList();
      if (!lines.isEmpty()) {
        return lines.get(lines.size() - 1);
      }
      assertThat(System.nanoTime()).as("a log line for " + host + ":" + port).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Tries until the gateway's peer list has come (tag rules match nothing before). */
  private Clients.Timed curlUntilAdmitted(String host, int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Clients.Timed r = curl(host, port);
    while (!r.ok() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      r = curl(host, port);
    }
    return r;
  }

  @Test
  @Order(1)
  void aTagRuleAdmitsTheTaggedPeerByNameAndByAddress() throws Exception {
    Clients.Timed byName = curlUntilAdmitted(net.peerName, RealTailnet.HTTP_PORT);
    assertThat(byName.ok()).as(byName.result().output()).isTrue();
    assertThat(byName.result().output()).contains(net.marker);
    assertThat(lastLine(net.peerName, RealTailnet.HTTP_PORT).path("rule").asText())
        .isEqualTo(TAG_RULE);

    Clients.Timed byAddress = curl(peerIp, RealTailnet.HTTP_PORT);
    assertThat(byAddress.ok()).as(byAddress.result().output()).isTrue();
    assertThat(lastLine(peerIp, RealTailnet.HTTP_PORT).path("decision").asText())
        .isEqualTo("allow");
  }

  @Test
  @Order(2)
  void theUntaggedPeerIsRefusedByNameAndByAddress() throws Exception {
    for (String host : List.of(plainName, plainIp)) {
      Clients.Timed r = curl(host, RealTailnet.HTTP_PORT);

      assertThat(r.ok()).as(host).isFalse();
      JsonNode line = lastLine(host, RealTailnet.HTTP_PORT);
      assertThat(line.path("decision").asText()).isEqualTo("deny");
      assertThat(line.path("rule").isNull() || line.path("rule").isMissingNode()).isTrue();
    }
    // The tagged peer on a port its rule does not name: refused too.
    assertThat(curl(peerIp, RealTailnet.DENIED_PORT).ok()).isFalse();
  }

  @Test
  @Order(3)
  void aNameUnderTheSuffixThatNoPeerHasIsAnsweredAtOnce() throws Exception {
    String nobody = "nobody." + Headscale.BASE_DOMAIN;
    awaitWarmUpOver();
    double before = instantAnswers("no_such_peer");

    Clients.Timed r = curl(nobody, ANY_NAME_PORT);

    assertThat(r.ok()).isFalse();
    JsonNode line = lastLine(nobody, ANY_NAME_PORT);
    assertThat(line.path("reason").asText()).isEqualTo(nobody + ": no such peer in the tailnet");
    assertThat(instantAnswers("no_such_peer")).isEqualTo(before + 1);
    net.timings.phase("no such peer: time to failure through the relay", duration(r));
  }

  @Test
  @Order(4)
  void aStoppedPeerIsRefusedAtOnceAsOfflineWhereTailscaledItselfTakesLonger() throws Exception {
    Clients.Timed online = curl(plainName, PLAIN_PORT);
    assertThat(online.ok()).isFalse(); // nothing listens: refused by the peer
    long stopped = System.nanoTime();
    plain.close();
    awaitGatewaySeesOffline();
    net.timings.phase(
        "peer stopped until tailgate's peer list says offline", Timings.since(stopped));
    awaitWarmUpOver();
    double before = instantAnswers("peer_offline");

    Clients.Timed direct =
        net.clients.timed(
            Clients.curlSocks5h(
                RealTailnet.GATEWAY_SOCKS_PORT, "http://" + plainName + ":" + PLAIN_PORT + "/"),
            Duration.ofSeconds(90));
    Clients.Timed relayed = curl(plainName, PLAIN_PORT);

    assertThat(direct.ok()).isFalse();
    assertThat(relayed.ok()).isFalse();
    JsonNode line = lastLine(plainName, PLAIN_PORT);
    assertThat(line.path("result").asText()).isEqualTo("unreachable");
    assertThat(line.path("reason").asText())
        .startsWith("peer " + plainName + " is offline (last seen ");
    assertThat(duration(relayed)).isLessThan(Duration.ofMillis(1000));
    assertThat(instantAnswers("peer_offline")).as("/metrics").isEqualTo(before + 1);
    RunningProcess.Result connect =
        net.tailgate.run(List.of("connect", plainName, Integer.toString(PLAIN_PORT)));
    assertThat(connect.exitCode()).isEqualTo(8);
    assertThat(connect.output())
        .as("the one line ssh and Ansible show")
        .contains(plainName + ":" + PLAIN_PORT + ": peer " + plainName + " is offline (last seen ")
        .doesNotContain("last seen unknown");
    net.timings.phase("offline peer, before (tailscaled's own answer)", duration(direct));
    net.timings.phase("offline peer, after (tailgate's instant answer)", duration(relayed));
    net.timings.phase("online peer, refused port, through the relay", duration(online));
    net.timings.put(
        "offline peer: time to failure before/after",
        String.format(
            "%.1fx",
            (double) duration(direct).toNanos() / Math.max(1, duration(relayed).toNanos())));
  }

  @Test
  @Order(5)
  void ansiblesUnreachableSaysThePeerIsOfflineAtOnce() throws Exception {
    AnsibleOnTailnet ansible = AnsibleOnTailnet.generate(net);
    assertThat(ansible.generated.exitCode()).as(ansible.generated.output()).isZero();

    Clients.Timed online =
        ansible.timed(ansible.withoutRetries(ping(net.peerName)), Duration.ofSeconds(90));
    Clients.Timed offline =
        ansible.timed(ansible.withoutRetries(ping(plainName)), Duration.ofSeconds(90));

    assertThat(online.ok()).as(online.result().output()).isTrue();
    String out = offline.result().output();
    System.out.println("e2e: ansible -m ping of the stopped peer:\n" + out);
    assertThat(offline.result().exitCode()).as("unreachable hosts: exit 4\n" + out).isEqualTo(4);
    // The reason comes through ssh, which shows tailgate connect's refusal (sent as the ssh banner,
    // since ControlPersist detaches its stderr, the relay's reason first) as at most 100 characters
    // of a "Bad remote protocol version identification"; Ansible prints it, wrapped to the
    // terminal's width.
    assertThat(out).contains(plainName + " | UNREACHABLE!");
    assertThat(out.replaceAll("\\s+", " "))
        .contains("'SSH-tailgate: peer " + plainName + " is offline (last seen ");
    net.timings.phase("ansible -m ping, online peer (ssh retries = 0)", duration(online));
    net.timings.phase(
        "ansible -m ping, offline peer: UNREACHABLE with the reason", duration(offline));
    assertThat(duration(offline))
        .as("each ssh of the ping would wait tailscaled's 5 s dial timeout without the answer")
        .isLessThan(Duration.ofSeconds(5));
  }

  /** {@code ansible -m ping} of one host by its name, as KillLoop runs it. */
  private static List<String> ping(String host) {
    return List.of("ansible", "all", "-i", host + ",", "-m", "ansible.builtin.ping");
  }

  @Test
  @Order(6)
  void rulesSuggestOnThisRunsLogAdmitsExactlyWhatWasRefused() throws Exception {
    List<String> rules = suggested(List.of());
    Allowlist suggested = Allowlist.parse(rules);

    List<JsonNode> refused = refusedByNoRule();
    assertThat(refused).isNotEmpty();
    for (JsonNode l : refused) {
      String host = l.path("target_host").asText();
      int port = l.path("target_port").asInt();
      assertThat(suggested.decide(host, port).allowed()).as(host + ":" + port).isTrue();
      assertThat(suggested.decide(host, 9).allowed()).as(host + ":9").isFalse();
    }
    assertThat(suggested.decide(net.peerName, RealTailnet.HTTP_PORT).allowed())
        .as("what the rules admitted already")
        .isFalse();
  }

  /**
   * With {@code --by-tag}, the tagged peer refused by address on a port its rule does not name gets
   * a tag rule (from the gateway's peer list), the untagged peer keeps its rules by name and
   * address; loaded with the same peer list they admit what was refused, and nothing more on the
   * ports seen.
   */
  @Test
  @Order(7)
  void rulesSuggestByTagOnThisRunsLogAdmitsExactlyWhatWasRefused() throws Exception {
    List<String> rules = suggested(List.of("--by-tag", "--socket", net.gatewaySocket.toString()));
    TailscaleStatus status = TailnetPeers.fromLocalApi(net.gatewaySocket);
    PeerList peers = PeerFeed.of(status, Instant.now());
    Allowlist suggested =
        Allowlist.parse(rules, () -> Headscale.BASE_DOMAIN).withPeers(() -> peers);

    assertThat(rules)
        .containsExactlyInAnyOrder(
            Headscale.TAG + ":" + RealTailnet.DENIED_PORT,
            plainName + ":" + RealTailnet.HTTP_PORT,
            plainIp + ":" + RealTailnet.HTTP_PORT);
    for (JsonNode l : refusedByNoRule()) {
      String host = l.path("target_host").asText();
      int port = l.path("target_port").asInt();
      assertThat(suggested.decide(host, port).allowed()).as(host + ":" + port).isTrue();
    }
    assertThat(suggested.decide(net.peerName, RealTailnet.DENIED_PORT).allowed())
        .as("the tag rule admits the tagged peer by name too")
        .isTrue();
    assertThat(suggested.decide(plainName, RealTailnet.DENIED_PORT).allowed())
        .as("not the untagged peer")
        .isFalse();
    assertThat(suggested.decide(peerIp, RealTailnet.HTTP_PORT).allowed())
        .as("what the rules admitted already")
        .isFalse();
  }

  /** {@code tailgate rules suggest ARGS LOG}'s rules, as the config file reads them. */
  private List<String> suggested(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of("rules", "suggest"));
    command.addAll(args);
    command.add(net.connectionLog.toString());
    RunningProcess.Result r = net.tailgate.run(command);
    assertThat(r.exitCode()).as(r.output()).isZero();
    System.out.println("e2e: tailgate " + String.join(" ", command) + ":\n" + r.output());
    Path yaml = net.logs.resolve("suggested" + (args.isEmpty() ? "" : "-by-tag") + ".yaml");
    Files.writeString(
        yaml,
        r.output()
            .lines()
            .filter(l -> !l.startsWith("tailgate:"))
            .reduce("", (a, b) -> a + b + "\n"));
    return ConfigFile.read(yaml).allow.stream().map(Located::value).toList();
  }

  private List<JsonNode> refusedByNoRule() throws Exception {
    return net.connectionLog().stream()
        .filter(l -> "deny".equals(l.path("decision").asText()))
        .filter(l -> l.path("rule").isNull() || l.path("rule").isMissingNode())
        .toList();
  }

  /**
   * The gateway is ephemeral ({@code --state=mem:}) with a reusable key: a killed tailscaled comes
   * back, by tailgate's re-bootstrap, as a new node logged in with the same key and no prompt, and
   * headscale removes the old node once it has been away for its inactivity timeout.
   */
  @Test
  @Order(8)
  void aKilledEphemeralGatewayComesBackAsANewNodeWithoutAPromptAndTheOldOneGoes() throws Exception {
    String oldId = net.headscale.node(RealTailnet.GATEWAY).path("id").asText();
    long pid = net.gatewayDaemonPid();
    long killed = System.nanoTime();

    ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
    long running = Recovery.runningAgain(net, pid);

    assertThat(running).as("the gateway's tailscaled Running again").isPositive();
    net.timings.phase(
        "ephemeral gateway: kill -9 -> Running again as a new node",
        Duration.ofNanos(running - killed));
    assertThat(gatewayIds())
        .as("headscale has a new gateway node")
        .anyMatch(id -> !id.equals(oldId));
    String said = Files.readString(net.tailgateLog);
    assertThat(said.split("logging in with the key from ", -1))
        .as("logged in with the key at start and after the kill, by itself")
        .hasSize(3);
    assertThat(said).doesNotContain("to log this node in");
    Clients.Timed page = curlUntilAdmitted(net.peerName, RealTailnet.HTTP_PORT);
    assertThat(page.ok()).as(page.result().output()).isTrue();
    assertThat(page.result().output()).contains(net.marker);

    long deadline = killed + Duration.ofSeconds(180).toNanos();
    while (gatewayIds().contains(oldId) && System.nanoTime() < deadline) {
      Thread.sleep(1000);
    }
    assertThat(gatewayIds()).as("headscale removed the old node").doesNotContain(oldId);
    net.timings.phase(
        "ephemeral gateway: kill -9 -> old node removed by headscale ("
            + Headscale.SHORTEST_EPHEMERAL_TIMEOUT.toSeconds()
            + " s inactivity timeout)",
        Timings.since(killed));
  }

  /** The ids of headscale's nodes named after the gateway. */
  private List<String> gatewayIds() throws Exception {
    List<String> ids = new ArrayList<>();
    for (JsonNode n : net.headscale.nodes()) {
      if (n.path("given_name").asText().startsWith(RealTailnet.GATEWAY)
          || RealTailnet.GATEWAY.equals(n.path("name").asText())) {
        ids.add(n.path("id").asText());
      }
    }
    return ids;
  }

  @Test
  @Order(9)
  void theEphemeralGatewayLeavesHeadscaleOnDownLogout() throws Exception {
    assertThat(net.headscale.node(RealTailnet.GATEWAY)).isNotNull();

    long t = System.nanoTime();
    RunningProcess.Result down =
        net.tailgate.run(
            List.of(
                "down",
                "--logout",
                "--socket",
                net.gatewaySocket.toString(),
                "--state-dir",
                net.gatewayState.toString()));
    net.timings.phase("down --logout", Timings.since(t));

    assertThat(down.exitCode()).as(down.output()).isZero();
    assertThat(down.output()).contains("logged the node out of the tailnet");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (hasGateway() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(hasGateway()).as("headscale still lists the gateway").isFalse();
  }

  private boolean hasGateway() throws Exception {
    for (JsonNode n : net.headscale.nodes()) {
      if (RealTailnet.GATEWAY.equals(n.path("given_name").asText())
          || RealTailnet.GATEWAY.equals(n.path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  /** The relay answers from the peer list only once the gateway's warm-up is over. */
  private void awaitWarmUpOver() throws InterruptedException {
    long left = Duration.ofSeconds(32).toNanos() - (System.nanoTime() - gatewayUpAt);
    if (left > 0) {
      Thread.sleep(left / 1_000_000);
    }
  }

  /**
   * Until tailgate's own view (its status page's peer table, from the status it probes every 5 s)
   * has the stopped peer offline.
   */
  private void awaitGatewaySeesOffline() throws Exception {
    ObjectMapper json = new ObjectMapper();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      RunningProcess.Result r =
          net.clients.run(
              List.of("curl", "-sS", "--max-time", "5", "http://127.0.0.1:1081/api/status"),
              Duration.ofSeconds(10));
      if (r.exitCode() == 0) {
        for (JsonNode p : json.readTree(r.output()).path("peers")) {
          if (plainName.equals(p.path("name").asText()) && !p.path("online").asBoolean(true)) {
            return;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("tailgate never saw " + plainName + " offline");
  }

  /** {@code tailgate_instant_answers_total{reason=REASON}} on the admin listener's /metrics. */
  private double instantAnswers(String reason) throws Exception {
    RunningProcess.Result r =
        net.clients.run(
            List.of("curl", "-sS", "--max-time", "5", "http://127.0.0.1:1081/metrics"),
            Duration.ofSeconds(10));
    assertThat(r.exitCode()).as(r.output()).isZero();
    String prefix = "tailgate_instant_answers_total{reason=\"" + reason + "\"} ";
    return r.output()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).strip()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + "in /metrics:\n" + r.output()));
  }

  private static Duration duration(Clients.Timed r) {
    return Duration.ofNanos(r.endNanos() - r.startNanos());
  }
}
