package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.localapi.LocalApi;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.relay.Transports;
import dev.tailgate.testing.FakeTailnet;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code down --logout} against the tailscaled double: logged out, or a bounded failure. */
class LogoutTest {
  @TempDir Path dir;

  /** Starts tailscaled on the double and leaves it running, as {@code down} finds it. */
  private static long startedAndLeft(FakeTailnet tailnet) throws Exception {
    EventLoopGroup group = Transports.EPOLL.newGroup(1);
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    Supervisor daemon = new Supervisor(tailnet.settings(), api, m -> {});
    try {
      daemon.start();
      return daemon.snapshot().pid();
    } finally {
      daemon.close(); // as down stops the relay first: its supervisor would log in again
      api.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void logsARunningNodeOutSoItNeedsALoginAgain() throws Exception {
    FakeTailnet tailnet = new FakeTailnet(dir);
    try {
      startedAndLeft(tailnet);

      assertThat(Logout.run(tailnet.socket, Logout.ATTEMPT)).isEmpty();
      assertThat(
              LocalApi.query(tailnet.socket, Duration.ofSeconds(2), LocalApiClient::status)
                  .backendState())
          .isEqualTo("NeedsLogin");
    } finally {
      DaemonStopper.stop(tailnet.stateDir);
    }
  }

  @Test
  void aWedgedDaemonCostsTwoBoundedAttemptsAndSaysWhy() throws Exception {
    FakeTailnet tailnet = new FakeTailnet(dir);
    long pid = startedAndLeft(tailnet);
    try {
      new ProcessBuilder("kill", "-STOP", String.valueOf(pid)).start().waitFor();

      long started = System.nanoTime();
      Optional<String> failure = Logout.run(tailnet.socket, Duration.ofMillis(300));

      assertThat(failure).get().asString().contains("did not answer");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
    } finally {
      new ProcessBuilder("kill", "-CONT", String.valueOf(pid)).start().waitFor();
      DaemonStopper.stop(tailnet.stateDir);
    }
  }

  @Test
  void noDaemonIsAFailureAtOnce() {
    assertThat(Logout.run(dir.resolve("none.sock"), Logout.ATTEMPT))
        .get()
        .asString()
        .contains("no tailscaled LocalAPI socket");
  }
}
