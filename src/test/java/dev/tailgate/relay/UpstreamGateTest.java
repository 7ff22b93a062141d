package dev.tailgate.relay;

import static dev.tailgate.relay.Embedded.hex;
import static dev.tailgate.relay.Embedded.writtenHex;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** How the relay holds, retries and fails requests around an upstream being recovered. */
class UpstreamGateTest {
  private static final List<String> RULES = List.of("100.64.0.0/10:*");
  private static final String CONNECT = "05 01 00 01 64400001 0016";
  private static final String SUCCESS = "05000001000000000000";
  private static final DialFailure DAEMON_GONE =
      DialFailure.upstream("error", "upstream socks5://127.0.0.1:1055 refused the connection");

  private final RecordingLog log = new RecordingLog();
  private final ScriptedGate gate = new ScriptedGate();

  private EmbeddedChannel connect(ScriptedDialer dialer) throws Exception {
    EmbeddedChannel ch = Embedded.client(RULES, dialer, gate, null, log);
    ch.writeInbound(hex("05 01 00"));
    assertThat(writtenHex(ch)).isEqualTo("0500");
    ch.writeInbound(hex(CONNECT));
    return ch;
  }

  @Test
  void holdsTheRequestWhileTheGateIsClosedAndDialsWhenItOpens() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = connect(dialer);
    ch.runPendingTasks();
    assertThat(dialer.dialed).isEmpty();
    assertThat(writtenHex(ch)).isEmpty();

    gate.ready.complete(null);
    ch.runPendingTasks();

    assertThat(dialer.dialed).containsExactly("100.64.0.1:22");
    assertThat(writtenHex(ch)).isEqualTo(SUCCESS);
  }

  @Test
  void retriesWhenTheUpstreamWasBrokenSoTheClientNeverSeesIt() throws Exception {
    gate.ready.complete(null);
    ScriptedDialer dialer = ScriptedDialer.failingFirst(DAEMON_GONE);
    EmbeddedChannel ch = connect(dialer);
    ch.runPendingTasks();

    assertThat(gate.judged).containsExactly(DAEMON_GONE);
    assertThat(dialer.dialed).hasSize(2);
    assertThat(writtenHex(ch)).isEqualTo(SUCCESS);
    ch.close();
    assertThat(log.last().result()).isEqualTo("ok");
  }

  @Test
  void asksTheGateAboutTailscaledsAmbiguousGeneralFailure() throws Exception {
    gate.ready.complete(null);
    gate.verdict = UpstreamGate.Verdict.TARGET;
    DialFailure general = DialFailure.upstreamReply((byte) 1);
    EmbeddedChannel ch = connect(ScriptedDialer.failing(general));
    ch.runPendingTasks();

    assertThat(gate.judged).containsExactly(general);
    assertThat(writtenHex(ch)).isEqualTo("05010001000000000000");
    ConnectionEvent e = log.last();
    assertThat(e.result()).isEqualTo("error");
    assertThat(e.closedBy()).isEqualTo("target");
  }

  @Test
  void doesNotAskTheGateAboutAClearTargetFailure() throws Exception {
    gate.ready.complete(null);
    EmbeddedChannel ch = connect(ScriptedDialer.failing(DialFailure.upstreamReply((byte) 5)));
    ch.runPendingTasks();

    assertThat(gate.judged).isEmpty();
    assertThat(writtenHex(ch)).isEqualTo("05050001000000000000");
  }

  @Test
  void givesUpAfterTheLastAttempt() throws Exception {
    gate.ready.complete(null);
    ScriptedDialer dialer = ScriptedDialer.failing(DAEMON_GONE);
    EmbeddedChannel ch = connect(dialer);
    ch.runPendingTasks();

    assertThat(dialer.dialed).hasSize(Tunneler.MAX_ATTEMPTS);
    assertThat(gate.judged).hasSize(Tunneler.MAX_ATTEMPTS - 1);
    assertThat(writtenHex(ch)).isEqualTo("05010001000000000000");
    assertThat(log.last().reason()).isEqualTo(DAEMON_GONE.reason());
  }

  @Test
  void failsTheClientWithTheGatesReasonWhenTheWaitIsTooLong() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = connect(dialer);

    failsWithTheGatesReason(ch, dialer);
  }

  /** The gate gives up on a held client: 0x01 with its reason, and no dial. */
  private void failsWithTheGatesReason(EmbeddedChannel ch, ScriptedDialer dialer) throws Exception {
    gate.ready.completeExceptionally(
        new IllegalStateException("tailscaled did not recover within 30 s"));
    ch.runPendingTasks();

    assertThat(dialer.dialed).isEmpty();
    assertThat(writtenHex(ch)).isEqualTo("05010001000000000000");
    assertThat(log.last().reason()).isEqualTo("tailscaled did not recover within 30 s");
  }

  @Test
  void refusesAClientOverTheWaitingLimitWithReply02AndTheLimitAsItsRule() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    gate.ready = CompletableFuture.failedFuture(new UpstreamGate.TooManyWaiting(1000));
    EmbeddedChannel ch = connect(dialer);
    ch.runPendingTasks();

    assertThat(dialer.dialed).isEmpty();
    assertThat(writtenHex(ch)).isEqualTo("05020001000000000000");
    assertThat(ch.isActive()).isFalse();
    ConnectionEvent e = log.last();
    assertThat(e.result()).isEqualTo("denied");
    assertThat(e.rule()).isEqualTo("limit:waiting");
    assertThat(e.reason()).contains("too many clients (1000) already wait");
  }

  @Test
  void dropsAHeldRequestWhoseClientLeft() throws Exception {
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = connect(dialer);

    ch.close();
    gate.ready.complete(null);
    ch.runPendingTasks();

    assertThat(dialer.dialed).isEmpty();
    assertThat(log.last().result()).isEqualTo("error");
  }

  /** A SOCKS5 CONNECT by name, as curl's socks5h:// sends it. */
  private EmbeddedChannel connectByName(Allowlist allowlist, ScriptedDialer dialer, String name) {
    EmbeddedChannel ch = Embedded.client(allowlist, dialer, gate, null, log);
    ch.writeInbound(hex("05 01 00"));
    assertThat(writtenHex(ch)).isEqualTo("0500");
    ch.writeInbound(
        hex(
            String.format(
                "05 01 00 03 %02x %s 0050",
                name.length(),
                java.util.HexFormat.of().formatHex(name.getBytes(StandardCharsets.US_ASCII)))));
    return ch;
  }

  @Test
  void holdsANameThatATailnetRuleMayAllowUntilRunningBringsTheSuffixThenJudgesIt()
      throws Exception {
    AtomicReference<String> suffix = new AtomicReference<>();
    Allowlist allowlist = Allowlist.parse(List.of("tailnet:80"), suffix::get);
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel inside = connectByName(allowlist, dialer, "peer.tail.test");
    EmbeddedChannel outside = connectByName(allowlist, dialer, "example.com");
    inside.runPendingTasks();
    outside.runPendingTasks();
    // Neither refused (the suffix is not known yet) nor dialled (tailscaled is not Running).
    assertThat(writtenHex(inside)).isEmpty();
    assertThat(writtenHex(outside)).isEmpty();
    assertThat(log.events()).isEmpty();

    suffix.set("tail.test");
    gate.ready.complete(null);
    inside.runPendingTasks();
    outside.runPendingTasks();

    assertThat(dialer.dialed).containsExactly("peer.tail.test:80");
    assertThat(writtenHex(inside)).isEqualTo(SUCCESS);
    assertThat(writtenHex(outside)).isEqualTo("05020001000000000000");
    assertThat(outside.isActive()).isFalse();
  }

  @Test
  void judgesAnAddressAtOnceEvenBeforeTheSuffixIsKnown() throws Exception {
    Allowlist allowlist = Allowlist.parse(List.of("tailnet:80"), () -> null);
    EmbeddedChannel ch = Embedded.client(allowlist, ScriptedDialer.succeeding(), gate, null, log);
    ch.writeInbound(hex("05 01 00"));
    assertThat(writtenHex(ch)).isEqualTo("0500");
    ch.writeInbound(hex("05 01 00 01 08080808 0050"));
    ch.runPendingTasks();

    assertThat(writtenHex(ch)).isEqualTo("05020001000000000000");
    assertThat(log.last().result()).isEqualTo("denied");
  }

  @Test
  void failsANameHeldForTheSuffixWhenTailscaledNeverComesUp() throws Exception {
    Allowlist allowlist = Allowlist.parse(List.of("tailnet:80"), () -> null);
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel ch = connectByName(allowlist, dialer, "peer.tail.test");

    failsWithTheGatesReason(ch, dialer);
  }

  @Test
  void dialsANameAnExplicitRuleAllowsOnceReadyWithoutWaitingForTheSuffix() throws Exception {
    AtomicReference<String> suffix = new AtomicReference<>();
    Allowlist allowlist = Allowlist.parse(List.of("tailnet:80", "db.example.com:80"), suffix::get);
    gate.ready.complete(null);
    gate.settled = new CompletableFuture<>();
    ScriptedDialer dialer = ScriptedDialer.succeeding();
    EmbeddedChannel explicit = connectByName(allowlist, dialer, "db.example.com");
    EmbeddedChannel inside = connectByName(allowlist, dialer, "peer.tail.test");
    explicit.runPendingTasks();
    inside.runPendingTasks();
    assertThat(dialer.dialed).containsExactly("db.example.com:80");
    assertThat(writtenHex(explicit)).isEqualTo(SUCCESS);
    assertThat(writtenHex(inside)).isEmpty();

    suffix.set("tail.test");
    gate.settled.complete(null);
    inside.runPendingTasks();
    assertThat(dialer.dialed).containsExactly("db.example.com:80", "peer.tail.test:80");
    assertThat(writtenHex(inside)).isEqualTo(SUCCESS);
  }
}
