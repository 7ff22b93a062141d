package dev.tailgate.bench;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.PeerList;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the instant answers add to an allowed dial: the relay's decision for an online peer with the
 * allowlist alone, and with the allowlist then the peer list's check, on a tailnet of 1,000 peers,
 * in ns per request and as a ratio, in one run (issue 19). A tag rule is measured too.
 *
 * <pre>java -cp target/classes:target/test-classes:DEPS dev.tailgate.bench.PeerCheckBench</pre>
 */
public final class PeerCheckBench {
  private static final int PEERS = 1000;
  private static final int ROUNDS = 5;
  private static final int CALLS = 2_000_000;

  private PeerCheckBench() {}

  public static void main(String[] args) throws Exception {
    List<PeerList.Peer> peers = new ArrayList<>();
    for (int i = 0; i < PEERS; i++) {
      peers.add(
          new PeerList.Peer(
              "node-" + i + ".tail1234.ts.net.",
              List.of("100.64." + (i / 250) + "." + (i % 250 + 1)),
              i % 2 == 0 ? Set.of("tag:prod") : Set.of(),
              "linux",
              true,
              null));
    }
    Instant now = Instant.now();
    PeerList list = PeerList.of("tail1234.ts.net", peers, now);
    Allowlist byName = Allowlist.parse(List.of("*.tail1234.ts.net:22"), () -> "tail1234.ts.net");
    Allowlist byTag =
        Allowlist.parse(List.of("tag:prod:22"), () -> "tail1234.ts.net").withPeers(() -> list);
    String[] targets = new String[PEERS];
    for (int i = 0; i < PEERS; i++) {
      targets[i] = "node-" + (i - i % 2) + ".tail1234.ts.net";
    }
    long sink = 0;
    double alone = 0;
    double checked = 0;
    double tagged = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        sink += byName.decide(targets[i % PEERS], 22).allowed() ? 1 : 0;
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        String host = targets[i % PEERS];
        sink += byName.decide(host, 22).allowed() && list.unreachable(host, now) == null ? 1 : 0;
      }
      long t2 = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        String host = targets[i % PEERS];
        sink += byTag.decide(host, 22).allowed() && list.unreachable(host, now) == null ? 1 : 0;
      }
      long t3 = System.nanoTime();
      if (round > 0) { // the first round warms the JIT
        alone += (double) (t1 - t0) / CALLS;
        checked += (double) (t2 - t1) / CALLS;
        tagged += (double) (t3 - t2) / CALLS;
      }
    }
    int measured = ROUNDS - 1;
    System.out.printf(
        "allowlist alone (*.suffix rule): %.0f ns/request%n"
            + "allowlist + peer check:          %.0f ns/request (%.2fx, +%.0f ns)%n"
            + "tag rule + peer check:           %.0f ns/request (%.2fx)%n"
            + "(%d peers, %d requests x %d rounds; sink %d)%n",
        alone / measured,
        checked / measured,
        checked / alone,
        (checked - alone) / measured,
        tagged / measured,
        tagged / alone,
        PEERS,
        CALLS,
        measured,
        sink);
  }
}
