package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The socket half of the warm-up relays its tunnels over real loopback sockets, through the
 * dialer's kind (direct, or an upstream SOCKS5 server of its own), and leaves nothing behind: no
 * socket, no thread, no log line.
 */
class SocketWarmupTest {
  private static final Transports TRANSPORT = Transports.best();
  private static final EventLoopGroup GROUP = TRANSPORT.newGroup(1);
  private static final RelaySettings SETTINGS = LoopbackSettings.with(RelaySettings.Limits.DEFAULT);

  @AfterAll
  static void shutDown() {
    GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void relaysEveryTunnelOverLoopbackSocketsDialingDirect() {
    assertThat(new SocketWarmup(SETTINGS, true, GROUP, TRANSPORT).tunnels(50, () -> false))
        .isEqualTo(50);
  }

  @Test
  void relaysEveryTunnelThroughAnUpstreamSocks5ServerOfItsOwn() {
    assertThat(new SocketWarmup(SETTINGS, false, GROUP, TRANSPORT).tunnels(50, () -> false))
        .isEqualTo(50);
  }

  @Test
  void settlesOnceTheJitsCompileTimeHoldsOverThreeBatches() {
    long[] millis = {0};
    SocketWarmup.Settled settled = new SocketWarmup.Settled(() -> millis[0]);
    int asked = 0;
    // The JIT compiles through the first 20 batches, then nothing more.
    while (!settled.getAsBoolean()) {
      asked++;
      if (asked < 20 * SocketWarmup.Settled.BATCH) {
        millis[0] = asked;
      }
      assertThat(asked).isLessThan(SocketWarmup.CONNECTIONS);
    }
    assertThat(asked + 1).isEqualTo(23 * SocketWarmup.Settled.BATCH);
  }

  @Test
  void settlesAfterAFixedCountWhenTheJvmDoesNotSayWhatItCompiles() {
    SocketWarmup.Settled blind = new SocketWarmup.Settled(null);
    int asked = 1;
    while (!blind.getAsBoolean()) {
      asked++;
    }
    assertThat(asked).isEqualTo(SocketWarmup.Settled.BLIND);
  }

  @Test
  void stopsOnceAUserComes() {
    assertThat(new SocketWarmup(SETTINGS, true, GROUP, TRANSPORT).tunnels(50, () -> true)).isZero();
  }

  @Test
  void leavesNoSocketThreadOrLogLineBehind() throws IOException, InterruptedException {
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
    // Once first: the event loop's thread and the identity lookup's netlink socket and threads are
    // the process's, started by the first listener that needs them, and stay.
    new SocketWarmup(SETTINGS, false, GROUP, TRANSPORT).tunnels(5, () -> false);
    Set<String> threads = threads();
    long sockets = settledSockets();
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    root.addAppender(lines);
    try {
      assertThat(new SocketWarmup(SETTINGS, false, GROUP, TRANSPORT).tunnels(50, () -> false))
          .isEqualTo(50);
    } finally {
      root.detachAppender(lines);
    }
    assertThat(lines.list).isEmpty();
    // The last tunnel's accepted sockets close a moment after its client's.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (sockets() != sockets && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(sockets()).isEqualTo(sockets);
    // None started and left: one of the process's that ended meanwhile is not the warm-up's
    // (netty's global executor's thread ends a second after its last task, another test's).
    assertThat(threads).containsAll(threads());
  }

  private static Set<String> threads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }

  /** This process's open sockets, from /proc/self/fd. */
  /**
   * The sockets once the count has held for 200 ms: the run before closes its last accepted sockets
   * a moment after its client's (a baseline taken meanwhile counted one that was closing).
   */
  private static long settledSockets() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long n = sockets();
    while (System.nanoTime() < deadline) {
      Thread.sleep(200);
      long again = sockets();
      if (again == n) {
        return n;
      }
      n = again;
    }
    return n;
  }

  private static long sockets() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      List<Path> all = fds.toList();
      long n = 0;
      for (Path fd : all) {
        try {
          if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
            n++;
          }
        } catch (IOException e) {
          // the directory's own fd, or one closed meanwhile
        }
      }
      return n;
    }
  }
}
