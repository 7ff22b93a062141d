package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * tailgate against the real thing: headscale, two real userspace tailscaled, sshd, curl, ssh and
 * Chromium, on the loopback of a network namespace of the test's own (docs/e2e.md). The tailnet
 * comes up once; the scenarios run in order on it, the kill of tailscaled last but one.
 *
 * <p>Issue 5's scenario 1 runs ssh, {@code ansible} and {@code ansible-playbook} with the files
 * {@code tailgate ansible} generated for the gateway ({@link AnsibleOnTailnet}); scenario 5 reads
 * the gateway's LocalAPI both through {@code tailscale status --json} and through {@code tailgate
 * inventory}; scenario 4 kills tailscaled twice, between the requests of a curl/ssh loop and in the
 * middle of an {@code ansible-playbook} run.
 */
class RealTailnetIT extends OnRealTailnet {
  private String singleUseKey;
  private String page;
  private AnsibleOnTailnet ansible;
  private static final Duration SSH_LIMIT = Duration.ofSeconds(120);

  @Override
  void bringUp(Binaries bin) throws Exception {
    singleUseKey = net.headscale.createKey(net.userId, false);
    GatewayStart.measure(net, net.upArgs(singleUseKey));
    page = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/";
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
        client(Socks5Probe.command(RealTailnet.RELAY_PORT, net.peerName, RealTailnet.DENIED_PORT));

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

  /** The files {@code tailgate ansible} wrote for the gateway, made once, by the first user. */
  private AnsibleOnTailnet ansible() throws Exception {
    if (ansible == null) {
      long t = System.nanoTime();
      ansible = AnsibleOnTailnet.generate(net);
      net.timings.phase("scenario 1: tailgate ansible --config (generate)", Timings.since(t));
    }
    assertThat(ansible.generated.exitCode()).as(ansible.generated.output()).isZero();
    return ansible;
  }

  private long okLinesFor(String host, int port) throws Exception {
    return net.connectionLog().stream()
        .filter(l -> host.equals(l.path("target_host").asText()))
        .filter(l -> l.path("target_port").asInt() == port)
        .filter(l -> "ok".equals(l.path("result").asText()))
        .count();
  }

  private void awaitOkLines(long atLeast) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (okLinesFor(net.peerName, RealTailnet.SSH_PORT) < atLeast
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(okLinesFor(net.peerName, RealTailnet.SSH_PORT))
        .as("relayed ssh connections to the peer in the connection log")
        .isGreaterThanOrEqualTo(atLeast);
  }

  @Test
  @Order(8)
  void sshWithTheGeneratedSshConfigReachesThePeerThroughTailgateConnect() throws Exception {
    AnsibleOnTailnet a = ansible();
    String sshConfig = Files.readString(a.ansibleDir.resolve("ssh_config"));
    // The suffix came from the gateway's LocalAPI; the ProxyCommand is `tailgate connect`, by the
    // launcher's path when the test runs it.
    assertThat(sshConfig)
        .contains("Host *." + net.peerName.substring(net.peerName.indexOf('.') + 1) + " ")
        .contains(
            "ProxyCommand "
                + TailgateCli.generatedName()
                + " connect --proxy 127.0.0.1:"
                + RealTailnet.RELAY_PORT
                + " --start --config "
                + a.config
                + " %h %p");
    long before = okLinesFor(net.peerName, RealTailnet.SSH_PORT);

    long t = System.nanoTime();
    RunningProcess.Result r = a.run(a.ssh(net.peerName, "echo reached-$(hostname)"), SSH_LIMIT);
    net.timings.phase(
        "scenario 1: ssh -F generated ssh_config (tailgate connect)", Timings.since(t));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("reached-");
    awaitOkLines(before + 1);
  }

  @Test
  @Order(9)
  void ansiblePingWithTheGeneratedConfigAndTheDynamicInventoryAnswersPong() throws Exception {
    AnsibleOnTailnet a = ansible();
    long before = okLinesFor(net.peerName, RealTailnet.SSH_PORT);
    int logBefore = net.connectionLog().size();

    long t = System.nanoTime();
    RunningProcess.Result r =
        a.run(List.of("ansible", "all", "-m", "ansible.builtin.ping"), SSH_LIMIT);
    net.timings.phase("scenario 1: ansible all -m ping", Timings.since(t));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains(net.peerName + " | SUCCESS").contains("\"ping\": \"pong\"");
    a.closeMasters();
    awaitOkLines(before + 1);
    assertEachSshLineSince(logBefore, net.peerName + "@Ansible%20Ad-Hoc");
  }

  /**
   * Every line of an ssh connection to the peer since line {@code from} carries {@code tag} (the
   * generated group_vars pass the inventory host and the play to {@code tailgate connect --tag}).
   */
  private void assertEachSshLineSince(int from, String tag) throws Exception {
    List<JsonNode> log = net.connectionLog();
    List<JsonNode> ssh =
        log.subList(from, log.size()).stream()
            .filter(l -> net.peerName.equals(l.path("target_host").asText()))
            .filter(l -> l.path("target_port").asInt() == RealTailnet.SSH_PORT)
            .toList();
    assertThat(ssh)
        .as("the run's lines")
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l.path("client_tag").asText()).as(l.toString()).isEqualTo(tag));
  }

  @Test
  @Order(10)
  void ansiblePlaybookSiteYmlRunsThroughTailgateWithFailedZero() throws Exception {
    AnsibleOnTailnet a = ansible();
    Path stamp = a.dir.resolve("stamp");
    long before = okLinesFor(net.peerName, RealTailnet.SSH_PORT);
    int logBefore = net.connectionLog().size();

    long t = System.nanoTime();
    RunningProcess.Result r =
        a.run(
            List.of("ansible-playbook", "-e", "tailnet_check_stamp=" + stamp, "site.yml"),
            SSH_LIMIT);
    net.timings.phase("scenario 1: ansible-playbook site.yml", Timings.since(t));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .contains("reached through tailgate")
        .containsPattern(net.peerName.replace(".", "\\.") + "\\s*: ok=\\d+ .*failed=0");
    assertThat(stamp).hasContent("reached " + net.peerName + " through tailgate");
    a.closeMasters();
    awaitOkLines(before + 1);
    assertEachSshLineSince(logBefore, net.peerName + "@Reach%20every%20host%20through%20tailgate");
  }

  @Test
  @Order(11)
  void tailgateInventoryListsThePeerWithTagsOsAndOnlineAsHeadscaleReports() throws Exception {
    AnsibleOnTailnet a = ansible();
    RunningProcess.Result r =
        a.run(
            List.of("tailgate", "inventory", "--list", "--config", a.config.toString()),
            Duration.ofSeconds(60));
    assertThat(r.exitCode()).as(r.output()).isZero();
    JsonNode inv =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(r.output().substring(r.output().indexOf('{')));
    JsonNode vars = inv.path("_meta").path("hostvars").path(net.peerName);
    JsonNode inHeadscale = net.headscale.node(RealTailnet.PEER);
    JsonNode peerSelf = net.peer.status().path("Self");

    assertThat(vars.isObject()).as("hostvars of %s in %s", net.peerName, inv).isTrue();
    assertThat(vars.path("ansible_host").asText()).isEqualTo(net.peerName);
    assertThat(texts(vars.path("tailscale_tags")))
        .containsExactly(Headscale.TAG)
        .isEqualTo(texts(inHeadscale.path("tags")));
    assertThat(vars.path("tailscale_online").asBoolean())
        .isTrue()
        .isEqualTo(inHeadscale.path("online").asBoolean());
    assertThat(vars.path("tailscale_os").asText())
        .isEqualTo("linux")
        .isEqualTo(peerSelf.path("OS").asText());
    assertThat(texts(vars.path("tailscale_ips")))
        .isEqualTo(texts(inHeadscale.path("ip_addresses")));
    for (String group : List.of("tag_web", "os_linux", "online", "tailnet")) {
      assertThat(texts(inv.path(group).path("hosts"))).as(group).contains(net.peerName);
    }
    assertThat(texts(inv.path("offline").path("hosts"))).doesNotContain(net.peerName);
    // Ansible reads the same through the repo's inventory/tailnet wrapper.
    RunningProcess.Result graph = a.run(List.of("ansible-inventory", "--graph"), SSH_LIMIT);
    assertThat(graph.exitCode()).as(graph.output()).isZero();
    assertThat(graph.output()).contains("@tag_web:").contains(net.peerName);
  }

  /**
   * Security check: from the peer, through the peer tailscaled's own SOCKS5, to the gateway's
   * tailnet address on the relay's port, then a SOCKS5 CONNECT to the peer's web server through
   * whatever answers there. Also tailscaled's :1055 and tailgate's admin :1081 the same way. What
   * each probe saw is in {@code target/e2e-logs/<run>/peer-to-gateway-probe.txt}.
   */
  @Test
  @Order(12)
  void aPeerCannotUseTheGatewaysLoopbackListenersThroughItsTailnetAddress() throws Exception {
    long before = requestsOnPort(RealTailnet.HTTP_PORT);
    String report = probeFromThePeer();
    assertThat(report)
        .as(report)
        .contains("relay: outer ", "tailscaled-socks: outer ", "admin: outer ")
        .doesNotContain("relay: outer 0x00")
        .doesNotContain("tailscaled-socks: outer 0x00")
        .doesNotContain("admin: outer 0x00");
    assertThat(requestsOnPort(RealTailnet.HTTP_PORT)).isEqualTo(before);
  }

  /** Runs the probes from the peer and writes what they saw to the run's logs. */
  private String probeFromThePeer() throws Exception {
    String gatewayIp = null;
    for (JsonNode ip : net.gatewayStatus().path("Self").path("TailscaleIPs")) {
      if (ip.asText().contains(".")) {
        gatewayIp = ip.asText();
      }
    }
    long httpBefore = requestsOnPort(RealTailnet.HTTP_PORT);
    int logBefore = net.connectionLog().size();
    StringBuilder report = new StringBuilder("gateway tailnet address " + gatewayIp + "\n");
    String socks = Integer.toString(RealTailnet.PEER_SOCKS_PORT);
    String[][] probes = {
      {
        "relay",
        Integer.toString(RealTailnet.RELAY_PORT),
        "socks5",
        net.peerName,
        Integer.toString(RealTailnet.HTTP_PORT)
      },
      {
        "tailscaled-socks",
        Integer.toString(RealTailnet.GATEWAY_SOCKS_PORT),
        "socks5",
        net.peerName,
        Integer.toString(RealTailnet.HTTP_PORT)
      },
      {"admin", "1081", "http", "/api/status"},
    };
    for (String[] p : probes) {
      List<String> cmd =
          new java.util.ArrayList<>(
              List.of("python3", "-c", PeerToGatewayProbe.SCRIPT, socks, gatewayIp, p[1], p[2]));
      cmd.addAll(List.of(p).subList(3, p.length));
      RunningProcess.Result r = client(cmd);
      for (String line : r.output().strip().split("\n")) {
        report.append(p[0]).append(": ").append(line).append('\n');
      }
    }
    // A listener on another loopback address (127.0.0.2): does netstack reach it too? (It dials
    // 127.0.0.1:PORT only, so binding tailgate elsewhere on loopback is a way to close this.)
    int aliasPort = 18082;
    try (RunningProcess alias =
        RunningProcess.start(
            net.ns.exec(
                List.of(
                    "python3",
                    "-m",
                    "http.server",
                    "--bind",
                    "127.0.0.2",
                    "--directory",
                    net.run.toString(),
                    Integer.toString(aliasPort))),
            net.logs.resolve("alias-httpd.log"))) {
      RunningProcess.Result local = null;
      for (int i = 0; i < 100 && alias.process().isAlive(); i++) {
        local =
            client(
                List.of(
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "http://127.0.0.2:" + aliasPort + "/"));
        if (local.exitCode() == 0) {
          break;
        }
        Thread.sleep(50);
      }
      report
          .append("loopback-alias: local curl http://127.0.0.2:")
          .append(aliasPort)
          .append(" -> ")
          .append(local.output().strip())
          .append('\n');
      RunningProcess.Result r =
          client(
              List.of(
                  "python3",
                  "-c",
                  PeerToGatewayProbe.SCRIPT,
                  socks,
                  gatewayIp,
                  Integer.toString(aliasPort),
                  "http",
                  "/"));
      for (String line : r.output().strip().split("\n")) {
        report.append("loopback-alias: ").append(line).append('\n');
      }
    }
    Thread.sleep(500); // the connection log is written just after the client sees the end
    report
        .append("peer web server requests on :8000 during the probes: ")
        .append(requestsOnPort(RealTailnet.HTTP_PORT) - httpBefore)
        .append('\n');
    List<JsonNode> log = net.connectionLog();
    for (JsonNode l : log.subList(logBefore, log.size())) {
      report.append("connection log: ").append(l).append('\n');
    }
    Files.writeString(net.logs.resolve("peer-to-gateway-probe.txt"), report);
    return report.toString();
  }

  @Test
  @Order(20)
  void throughputOfOneStreamThroughTailgateBesideTailscaledsOwnPort() throws Exception {
    Throughput.measure(net);
  }

  @Test
  @Order(30)
  void survivesKill9OfTailscaledWithTheSameStateNoNewKeyAndNoFailedRequest() throws Exception {
    Recovery.run(net, singleUseKey);
  }

  @Test
  @Order(31)
  void survivesKill9OfTailscaledInTheMiddleOfAnAnsiblePlaybookWithNoFailedTask() throws Exception {
    Recovery.runPlaybook(net, ansible(), singleUseKey);
  }

  @Test
  @Order(32)
  void newConnectionsAcrossTenKillsOfTailscaledNeverFailAndADeadTargetStillFailsFast()
      throws Exception {
    KillLoop.run(net, ansible());
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
