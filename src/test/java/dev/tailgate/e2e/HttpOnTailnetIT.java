package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.testing.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Plain HTTP forwarding ({@code http_proxy}) on a real tailnet (issue 16), on a tailnet of its own
 * brought up once for the class as {@link RealTailnetIT} brings up its own: curl and Ansible's
 * {@code uri} and {@code get_url} modules with {@code http_proxy} reaching the peer's web server by
 * its MagicDNS name, a denied target refused with 403 and logged, and a large upload and download
 * through plain HTTP intact (1 GiB each by default, {@code -Dtailgate.e2e.httpBytes=N} for less),
 * streamed from {@code /dev/zero} and into sha256sum so that nothing is stored.
 */
class HttpOnTailnetIT extends OnRealTailnet {
  private static final long BIG = Long.getLong("tailgate.e2e.httpBytes", 1L << 30);
  private static final Duration BIG_LIMIT = Duration.ofMinutes(10);

  /** Where the gateway's tailscaled serves its own outbound HTTP proxy, for the comparison. */
  static final int TAILSCALED_HTTP_PORT = 1058;

  /** Keep-alive small GETs per way and round, and the rounds, of the comparison. */
  private static final int SMALL_GETS = Integer.getInteger("tailgate.e2e.httpGets", 300);

  private static final int ROUNDS = 3;

  /** The large GET of the comparison, per way (256 MiB by default). */
  private static final long PERF_BYTES = Long.getLong("tailgate.e2e.httpPerfBytes", 256L << 20);

  private String page;

  @Override
  void bringUp(Binaries bin) throws Exception {
    List<String> args = new ArrayList<>(net.upArgs(net.headscale.createKey(net.userId, false)));
    args.set(args.indexOf("--tailscaled") + 1, withOwnHttpProxy(bin.tailscaled()).toString());
    GatewayStart.measure(net, args);
    page = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/";
  }

  /**
   * A tailscaled that tailgate starts as it starts the real one, with tailscaled's own outbound
   * HTTP proxy ({@code --outbound-http-proxy-listen}) on as well, so that both proxies go through
   * the same daemon in the same run.
   */
  private Path withOwnHttpProxy(Path tailscaled) throws Exception {
    Path wrapper = net.run.resolve("tailscaled-with-http-proxy");
    Files.writeString(
        wrapper,
        "#!/bin/sh\nexec '"
            + tailscaled
            + "' \"$@\" --outbound-http-proxy-listen=127.0.0.1:"
            + TAILSCALED_HTTP_PORT
            + "\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    return wrapper;
  }

  private static String proxy() {
    return "http://127.0.0.1:" + RealTailnet.RELAY_PORT;
  }

  /**
   * A shell line in the namespace with http_proxy pointing at tailgate, pipes failing as a whole.
   */
  private RunningProcess.Result shell(String script, Duration limit) throws Exception {
    return net.clients.run(
        List.of(
            "bash",
            "-c",
            "set -o pipefail; export http_proxy=" + proxy() + " no_proxy=; " + script),
        limit);
  }

  /** The request lines (those with a method) for {@code port}, once there are {@code atLeast}. */
  private List<JsonNode> requestLines(int port, int atLeast) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      List<JsonNode> lines =
          net.connectionLog().stream()
              .filter(l -> l.hasNonNull("method"))
              .filter(l -> net.peerName.equals(l.path("target_host").asText()))
              .filter(l -> l.path("target_port").asInt() == port)
              .toList();
      if (lines.size() >= atLeast || System.nanoTime() > deadline) {
        return lines;
      }
      Thread.sleep(50);
    }
  }

  @Test
  @Order(1)
  void curlWithHttpProxyGetsThePeersPageByMagicDnsName() throws Exception {
    RunningProcess.Result r = shell("curl -sS -i --max-time 60 " + page, Duration.ofSeconds(90));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("HTTP/1.1 200", "via: 1.1 tailgate", net.marker);
    assertThat(requestLines(RealTailnet.HTTP_PORT, 1))
        .anySatisfy(
            l -> {
              assertThat(l.path("method").asText()).isEqualTo("GET");
              assertThat(l.path("status").asInt()).isEqualTo(200);
            });
  }

  @Test
  @Order(2)
  void aDeniedTargetIsRefusedWith403AndLoggedAndNeverReached() throws Exception {
    long before =
        net.peerRequests().stream()
            .filter(q -> q.path("port").asInt() == RealTailnet.DENIED_PORT)
            .count();

    RunningProcess.Result r =
        shell(
            "curl -sS -i --max-time 60 http://"
                + net.peerName
                + ":"
                + RealTailnet.DENIED_PORT
                + "/",
            Duration.ofSeconds(90));

    assertThat(r.output()).contains("HTTP/1.1 403", "no allow rule matches");
    assertThat(requestLines(RealTailnet.DENIED_PORT, 1))
        .anySatisfy(
            l -> {
              assertThat(l.path("status").asInt()).isEqualTo(403);
              assertThat(l.path("decision").asText()).isEqualTo("deny");
            });
    assertThat(
            net.peerRequests().stream()
                .filter(q -> q.path("port").asInt() == RealTailnet.DENIED_PORT)
                .count())
        .isEqualTo(before);
  }

  @Test
  @Order(3)
  void ansibleUriAndGetUrlReachThePeerWithEnvironmentHttpProxy() throws Exception {
    Path dest = net.run.resolve("get_url-page.html");
    Path playbook = net.run.resolve("http-proxy-playbook.yml");
    Files.writeString(
        playbook,
        String.join(
            "\n",
            "- hosts: localhost",
            "  connection: local",
            "  gather_facts: false",
            "  environment:",
            "    http_proxy: " + proxy(),
            "    no_proxy: ''",
            "  tasks:",
            "    - name: uri through tailgate",
            "      ansible.builtin.uri:",
            "        url: " + page,
            "        return_content: true",
            "      register: fetched",
            "    - ansible.builtin.assert:",
            "        that: \"'" + net.marker + "' in fetched.content\"",
            "    - name: get_url through tailgate",
            "      ansible.builtin.get_url:",
            "        url: " + page,
            "        dest: " + dest,
            ""));
    int before = requestLines(RealTailnet.HTTP_PORT, 0).size();

    RunningProcess.Result r =
        net.clients.run(
            List.of("ansible-playbook", "-i", "localhost,", playbook.toString()),
            Duration.ofSeconds(180));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readString(dest)).contains(net.marker);
    assertThat(requestLines(RealTailnet.HTTP_PORT, before + 2))
        .as("the uri and get_url requests in tailgate's log")
        .hasSizeGreaterThanOrEqualTo(before + 2);
  }

  @Test
  @Order(4)
  void aLargeDownloadAndUploadThroughPlainHttpArriveIntact() throws Exception {
    String expected = zerosDigest((byte) 0x5a);
    String url = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT;

    long t = System.nanoTime();
    RunningProcess.Result down =
        shell("curl -sS --max-time 600 '" + url + "/bytes?n=" + BIG + "' | sha256sum", BIG_LIMIT);
    long downNanos = System.nanoTime() - t;
    t = System.nanoTime();
    RunningProcess.Result up =
        shell(
            "head -c " + BIG + " /dev/zero | curl -sS --max-time 600 -T - " + url + "/upload",
            BIG_LIMIT);
    long upNanos = System.nanoTime() - t;

    System.out.printf(
        "e2e: plain HTTP through tailgate, %d bytes: download %.1f MiB/s, upload %.1f MiB/s%n",
        BIG, BIG / 1048576.0 / (downNanos / 1e9), BIG / 1048576.0 / (upNanos / 1e9));
    assertThat(down.exitCode()).as(down.output()).isZero();
    assertThat(down.output()).startsWith(expected);
    assertThat(up.exitCode()).as(up.output()).isZero();
    assertThat(up.output().strip()).isEqualTo(BIG + " " + zerosDigest((byte) 0));
  }

  /**
   * Issue 16's last comparison: tailgate against tailscaled's own outbound HTTP proxy on the same
   * daemon, interleaved in rounds: keep-alive small GETs of the peer's page on one connection (curl
   * with a URL range reuses it) and one large GET each. Printed for docs/performance.md; asserted
   * only for correctness (every answer 200, every byte there).
   */
  @Test
  @Order(5)
  void tailgateBesideTailscaledsOwnHttpProxy() throws Exception {
    Map<String, String> ways =
        Map.of(
            "tailgate",
            proxy(),
            "tailscaled --outbound-http-proxy-listen",
            "http://127.0.0.1:" + TAILSCALED_HTTP_PORT);
    Map<String, List<Double>> latencies = new TreeMap<>();
    Map<String, Double> seconds = new TreeMap<>();
    Map<String, Double> mibps = new TreeMap<>();
    for (int round = 0; round < ROUNDS; round++) {
      for (Map.Entry<String, String> way : new TreeMap<>(ways).entrySet()) {
        long t = System.nanoTime();
        RunningProcess.Result r =
            curlVia(
                way.getValue(),
                "%{http_code} %{time_total}\\n",
                page + "?i=[1-" + SMALL_GETS + "]",
                Duration.ofSeconds(180));
        seconds.merge(way.getKey(), (System.nanoTime() - t) / 1e9, Double::sum);
        assertThat(r.exitCode()).as(r.output()).isZero();
        List<String> lines = r.output().lines().filter(l -> l.matches("\\d{3} .*")).toList();
        assertThat(lines).as(way.getKey()).hasSize(SMALL_GETS).allMatch(l -> l.startsWith("200 "));
        lines.forEach(
            l ->
                latencies
                    .computeIfAbsent(way.getKey(), k -> new ArrayList<>())
                    .add(Double.parseDouble(l.substring(4)) * 1000));
      }
    }
    String url = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/bytes?n=" + PERF_BYTES;
    for (Map.Entry<String, String> way : new TreeMap<>(ways).entrySet()) {
      RunningProcess.Result r =
          curlVia(
              way.getValue(), "%{http_code} %{size_download} %{speed_download}", url, BIG_LIMIT);
      assertThat(r.exitCode()).as(r.output()).isZero();
      String[] got = r.output().strip().split(" ");
      assertThat(got[0]).isEqualTo("200");
      assertThat(Long.parseLong(got[1])).as(way.getKey() + " bytes").isEqualTo(PERF_BYTES);
      mibps.put(way.getKey(), Double.parseDouble(got[2]) / 1048576.0);
    }
    System.out.printf(
        "e2e: plain HTTP on the tailnet, %d keep-alive GETs of the peer's page x %d rounds"
            + " (interleaved), then one GET of %d MiB each:%n",
        SMALL_GETS, ROUNDS, PERF_BYTES >> 20);
    for (String way : latencies.keySet()) {
      List<Double> ms = latencies.get(way).stream().sorted().toList();
      System.out.printf(
          "e2e:   %-40s %7.0f requests/s  p50 %6.2f ms  p99 %6.2f ms  large GET %6.1f MiB/s%n",
          way,
          ms.size() / seconds.get(way),
          ms.get(ms.size() / 2),
          ms.get(Math.min(ms.size() - 1, (int) Math.ceil(ms.size() * 0.99) - 1)),
          mibps.get(way));
    }
  }

  /**
   * curl in the clients' namespace through {@code proxy}, the bodies dropped and {@code writeOut}
   * printed for each URL ({@code url} may be a curl range: then one connection carries them all).
   */
  private RunningProcess.Result curlVia(String proxy, String writeOut, String url, Duration limit)
      throws Exception {
    return net.clients.run(
        List.of(
            "curl",
            "-sS",
            "--max-time",
            Long.toString(limit.toSeconds()),
            "-x",
            proxy,
            "-o",
            "/dev/null",
            "-w",
            writeOut,
            url),
        limit);
  }

  /** The SHA-256 of {@link #BIG} bytes of {@code value}, as sha256sum prints it. */
  private static String zerosDigest(byte value) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    byte[] block = new byte[1 << 20];
    java.util.Arrays.fill(block, value);
    for (long left = BIG; left > 0; left -= block.length) {
      sha.update(block, 0, (int) Math.min(block.length, left));
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
