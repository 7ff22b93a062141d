package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream's download from the peer's web server across the tailnet, through tailgate's relay and
 * straight through the gateway tailscaled's port 1055, interleaved, the median of five each.
 */
final class Throughput {
  static final long BYTES = 128L << 20;
  static final int ROUNDS = 5;

  private Throughput() {}

  static void measure(RealTailnet net) throws Exception {
    String url = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/bytes?n=" + BYTES;
    List<Double> relay = new ArrayList<>();
    List<Double> daemon = new ArrayList<>();
    long t = System.nanoTime();
    for (int i = 0; i < ROUNDS; i++) {
      daemon.add(mibPerSecond(net, RealTailnet.GATEWAY_SOCKS_PORT, url));
      relay.add(mibPerSecond(net, RealTailnet.RELAY_PORT, url));
    }
    net.timings.phase(
        "throughput: " + 2 * ROUNDS + " downloads of " + (BYTES >> 20) + " MiB", Timings.since(t));
    double r = median(relay);
    double d = median(daemon);
    net.timings.put(
        "throughput: straight through tailscaled's 1055 (MiB/s, runs)",
        String.format("%.1f %s", d, daemon));
    net.timings.put(
        "throughput: through tailgate (MiB/s, runs)", String.format("%.1f %s", r, relay));
    net.timings.put(
        "throughput: tailgate / tailscaled alone",
        String.format("%.3f (cost %.1f %%)", r / d, 100 * (1 - r / d)));
    assertThat(r).as("MiB/s through tailgate").isPositive();
  }

  private static double mibPerSecond(RealTailnet net, int port, String url) throws Exception {
    Clients.Timed run =
        net.clients.timed(
            Clients.curlSocks5h(
                port, url, "-o", "/dev/null", "-w", "%{size_download} %{time_total}"),
            Duration.ofSeconds(120));
    assertThat(run.ok()).as(run.result().output()).isTrue();
    String[] out = run.result().output().strip().split("\\s+");
    assertThat(Long.parseLong(out[0])).as("bytes received through port " + port).isEqualTo(BYTES);
    return BYTES / (1024.0 * 1024.0) / Double.parseDouble(out[1]);
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
