package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.bootstrap.BootstrapSettings;
import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.relay.Transports;
import dev.tailgate.relay.UpstreamGate;
import dev.tailgate.testing.FakeTailnet;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bound on clients held while tailscaled is not Running, and its change by a reload. */
class DaemonGateWaitingTest {
  @TempDir Path dir;

  @Test
  void holdsAtMostMaxWaitingClientsAndTakesANewBoundAtOnce() throws Exception {
    EventLoopGroup group = Transports.EPOLL.newGroup(1);
    FakeTailnet tailnet = new FakeTailnet(dir);
    try (LocalApiClient api = new LocalApiClient(group, tailnet.socket);
        Supervisor daemon = new Supervisor(tailnet.settings(), api, m -> {})) {
      DaemonGate gate = new DaemonGate(daemon);
      // Never started: the phase is STARTING, so every client is held.
      daemon.maxWaiting(2);
      CompletableFuture<Void> first = gate.whenReady();
      CompletableFuture<Void> second = gate.whenReady();
      CompletableFuture<Void> third = gate.whenReady();

      assertThat(first).isNotDone();
      assertThat(second).isNotDone();
      assertThat(third).isCompletedExceptionally();
      assertThat(cause(third))
          .isInstanceOf(UpstreamGate.TooManyWaiting.class)
          .hasMessage("too many clients (2) already wait for the upstream to recover");

      daemon.maxWaiting(3);
      assertThat(gate.whenReady()).isNotDone();
      assertThat(gate.whenReady()).isCompletedExceptionally();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void failsAClientHeldThroughTheFirstStartWithWhatIsGoingOn() throws Exception {
    EventLoopGroup group = Transports.EPOLL.newGroup(1);
    FakeTailnet tailnet = new FakeTailnet(dir);
    BootstrapSettings oneSecond = tailnet.settingsHolding(java.time.Duration.ofSeconds(1));
    try (LocalApiClient api = new LocalApiClient(group, tailnet.socket);
        Supervisor daemon = new Supervisor(oneSecond, api, m -> {})) {
      DaemonGate gate = new DaemonGate(daemon);
      // Never started: STARTING, and the IPN bus has not said Running.
      CompletableFuture<Void> ready = gate.whenReady();
      CompletableFuture<Void> settled = gate.whenSettled();
      assertThat(ready).isNotDone();
      assertThat(settled).isNotDone();

      assertThat(causeWithin(ready))
          .hasMessage(
              "tailscaled was not Running within 1 s of this connection (tailgate is still"
                  + " bringing it up)");
      assertThat(causeWithin(settled)).hasMessageStartingWith("tailscaled was not Running");

      // A dial that failed during the first start is dialled again once the status is in, or
      // when the hold's bound ends: never judged at once.
      CompletableFuture<UpstreamGate.Verdict> verdict =
          gate.judge(
              new dev.tailgate.relay.DialFailure((byte) 1, "error", "general failure", false));
      assertThat(verdict).isNotDone();
      assertThat(verdict.get(10, TimeUnit.SECONDS)).isEqualTo(UpstreamGate.Verdict.RETRY);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private static Throwable causeWithin(CompletableFuture<Void> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static Throwable cause(CompletableFuture<Void> f) {
    try {
      f.get();
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
