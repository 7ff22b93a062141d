package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.relay.RelayServer;
import dev.tailgate.testing.FakeTailnet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: the real tailscaled, restarted with its state, says Running at once on the netmap of
 * its disk cache (no peers) and answers 0x01 to every dial by name until its control server's
 * netmap comes. The double does the same with TAILSCALED_FAKE_CACHED_NETMAP. A client with no
 * retries of its own, connecting again and again across the kill, must see no failure.
 */
class CachedNetmapRestartTest extends OnTheDouble {
  private static final String WEB = "web." + FakeTailnet.SUFFIX;

  CachedNetmapRestartTest() {
    super(2);
  }

  @Test
  void newConnectionsAcrossAKillWaitForControlsNetmapInsteadOfFailing() throws Exception {
    tailnet.env("TAILSCALED_FAKE_CACHED_NETMAP", "0.7");
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    RelayServer relay = relay(sup, "tailnet:*");
    assertThat(ping(relay, WEB)).isZero();

    for (int kill = 1; kill <= 3; kill++) {
      long pid = sup.snapshot().pid();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      List<Integer> replies = new ArrayList<>();
      long back = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      // One connection after another, as a loop of curl: from the kill until 1.5 s after the new
      // daemon said Running (the cached netmap lasts 0.7 s of that).
      while (System.nanoTime() < deadline
          && (back == 0 || System.nanoTime() - back < Duration.ofMillis(1500).toNanos())) {
        replies.add(ping(relay, WEB));
        if (back == 0
            && sup.snapshot().pid() != pid
            && sup.snapshot().phase() == Supervisor.Phase.RUNNING) {
          back = System.nanoTime();
        }
      }
      assertThat(back).as("kill %d: the daemon came back", kill).isNotZero();
      assertThat(replies).as("kill %d: SOCKS5 replies, in order", kill).containsOnly(0);
    }
    assertThat(sup.snapshot().restarts()).isEqualTo(3);
  }

  @Test
  void aPeerPortWithNothingListeningStillFailsFastOnceSettled() throws Exception {
    int closed = dev.tailgate.testing.ExternalTool.freePort();
    tailnet.peer("down", closed);
    tailnet.env("TAILSCALED_FAKE_CACHED_NETMAP", "0.7");
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    RelayServer relay = relay(sup, "tailnet:*");

    long started = System.nanoTime();
    assertThat(ping(relay, "down." + FakeTailnet.SUFFIX)).isEqualTo(0x01);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    assertThat(sup.snapshot().restarts()).isZero();
  }
}
