package dev.tailgate.relay;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.EchoServer;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A relay on loopback port 0 whose allowlist admits only an echo server of its own, direct, with
 * its log and stats kept for assertions: the set-up of the loopback identity's tests.
 */
final class EchoRelay implements AutoCloseable {
  final EchoServer echo;
  final RecordingLog log = new RecordingLog();
  final RelayStats stats;
  final RelayServer relay;
  private final EventLoopGroup group;
  private final DirectDialer dialer;

  EchoRelay(RelaySettings.Limits limits, int eventLoops) throws Exception {
    this(limits, eventLoops, new RelayStats());
  }

  EchoRelay(RelaySettings.Limits limits, int eventLoops, RelayStats stats) throws Exception {
    this.stats = stats;
    Transports t = Transports.best();
    group = t.newGroup(eventLoops);
    echo = new EchoServer();
    dialer = new DirectDialer(t, Duration.ofSeconds(5));
    relay =
        RelayServer.start(
            LoopbackSettings.with(limits),
            Allowlist.parse(List.of(target())),
            dialer,
            UpstreamGate.OPEN,
            log,
            stats,
            group,
            t);
  }

  /**
   * Keeps every event loop of the relay busy for {@code ms}, from now: meanwhile nothing is
   * accepted, and clients wait in the listen queue as they do behind a flood.
   */
  void stall(long ms) {
    group.forEach(
        loop ->
            loop.execute(
                () -> {
                  try {
                    Thread.sleep(ms);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
  }

  /** The echo server as a target, {@code 127.0.0.1:PORT}. */
  String target() {
    return "127.0.0.1:" + echo.port();
  }

  @Override
  public void close() throws IOException {
    relay.close();
    dialer.close();
    echo.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
