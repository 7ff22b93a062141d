package dev.tailgate.relay;

import static dev.tailgate.relay.Embedded.ascii;
import static dev.tailgate.relay.Embedded.hex;
import static dev.tailgate.relay.Embedded.writtenHex;
import static dev.tailgate.relay.Embedded.writtenText;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.PeerList;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The gate's instant answer for an admitted target it knows cannot be reached (an offline peer, a
 * name no peer has): host-unreachable in each protocol at once, no dial, the reason in the log; and
 * never for a denied target, which gets the deny whatever its state.
 */
class PeerCheckTest {
  private static final List<String> RULES = List.of("*.tail1234.ts.net:22", "100.64.0.0/10:22");
  private static final String OFFLINE =
      "peer laptop.tail1234.ts.net is offline (last seen 2026-12-04T20:00:00Z)";

  private final RecordingLog log = new RecordingLog();
  private final ScriptedDialer dialer = ScriptedDialer.succeeding();

  /** An open gate that knows laptop is offline, and records what it was asked. */
  private final List<String> asked = new ArrayList<>();

  private final UpstreamGate gate =
      new UpstreamGate() {
        final Map<String, String> known =
            Map.of("laptop.tail1234.ts.net", OFFLINE, "100.64.0.9", OFFLINE);

        @Override
        public CompletableFuture<Void> whenReady() {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Verdict> judge(DialFailure failure) {
          return CompletableFuture.completedFuture(Verdict.TARGET);
        }

        @Override
        public String unreachable(String host) {
          asked.add(host);
          return known.get(host);
        }
      };

  private EmbeddedChannel client() throws Exception {
    return Embedded.client(RULES, dialer, gate, null, log);
  }

  @Test
  void socks5GetsHostUnreachableAtOnceWithTheReasonLogged() throws Exception {
    EmbeddedChannel ch = client();
    ch.writeInbound(hex("05 01 00"));
    writtenHex(ch);
    ch.writeInbound(hex("05 01 00 03 16" + hexOf("laptop.tail1234.ts.net") + "0016"));

    // The reason rides in the bound address, a domain name, for tailgate connect to show.
    assertThat(writtenHex(ch))
        .isEqualTo("05040003" + String.format("%02x", OFFLINE.length()) + hexOf(OFFLINE) + "0000");
    assertThat(dialer.dialed).isEmpty();
    assertThat(ch.isActive()).isFalse();
    ConnectionEvent e = log.last();
    assertThat(e.decision()).isEqualTo("allow");
    assertThat(e.result()).isEqualTo("unreachable");
    assertThat(e.reason()).isEqualTo(OFFLINE);
  }

  @Test
  void socks4GetsRejected5bAtOnce() throws Exception {
    EmbeddedChannel ch = client();
    ch.writeInbound(hex("04 01 0016 64400009 00"));

    assertThat(writtenHex(ch)).isEqualTo("005b000000000000");
    assertThat(dialer.dialed).isEmpty();
    assertThat(log.last().reason()).isEqualTo(OFFLINE);
  }

  @Test
  void httpConnectGets502WithTheReason() throws Exception {
    EmbeddedChannel ch = client();
    ch.writeInbound(ascii("CONNECT laptop.tail1234.ts.net:22 HTTP/1.1\r\n\r\n"));

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 502").contains(OFFLINE);
    assertThat(dialer.dialed).isEmpty();
  }

  @Test
  void aDeniedTargetGetsTheDenyAndTheGateIsNotAsked() throws Exception {
    EmbeddedChannel ch = client();
    ch.writeInbound(ascii("CONNECT laptop.tail1234.ts.net:80 HTTP/1.1\r\n\r\n"));

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 403");
    assertThat(asked).isEmpty();
    assertThat(log.last().decision()).isEqualTo("deny");
  }

  @Test
  void aTargetTheGateKnowsNothingAgainstIsDialled() throws Exception {
    EmbeddedChannel ch = client();
    ch.writeInbound(ascii("CONNECT db-1.tail1234.ts.net:22 HTTP/1.1\r\n\r\n"));

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 200");
    assertThat(asked).containsExactly("db-1.tail1234.ts.net");
    assertThat(dialer.dialed).containsExactly("db-1.tail1234.ts.net:22");
  }

  @Test
  void aTargetATagRuleMayAdmitWaitsForThePeerListThenIsJudgedOnIt() throws Exception {
    AtomicReference<PeerList> peers = new AtomicReference<>(PeerList.UNKNOWN);
    ScriptedGate booting = new ScriptedGate();
    booting.ready.complete(null);
    booting.settled = new CompletableFuture<>();
    Allowlist rules = Allowlist.parse(List.of("tag:prod:22")).withPeers(peers::get);
    EmbeddedChannel ch = Embedded.client(rules, dialer, booting, null, log);
    ch.writeInbound(ascii("CONNECT db-1.tail1234.ts.net:22 HTTP/1.1\r\n\r\n"));
    ch.runPendingTasks();
    assertThat(writtenText(ch)).as("held, not refused").isEmpty();

    peers.set(
        PeerList.of(
            "tail1234.ts.net",
            List.of(
                new PeerList.Peer(
                    "db-1.tail1234.ts.net",
                    List.of("100.64.0.7"),
                    Set.of("tag:prod"),
                    "linux",
                    true,
                    null)),
            Instant.now()));
    booting.settled.complete(null);
    ch.runPendingTasks();

    assertThat(writtenText(ch)).startsWith("HTTP/1.1 200");
    assertThat(dialer.dialed).containsExactly("db-1.tail1234.ts.net:22");
  }

  private static String hexOf(String text) {
    return HexFormat.of().formatHex(text.getBytes(StandardCharsets.US_ASCII));
  }
}
