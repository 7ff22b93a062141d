package dev.tailgate.bootstrap;

import dev.tailgate.relay.Transports;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a test of the bootstrap against the tailscaled double stands on: an event loop, an echo
 * server as the peer {@code web}, the double's files in the test's directory. Closing it closes
 * what the test added to {@link #open} (last first), stops the daemon by its pid file and kills
 * anything still running under the directory.
 */
final class DoubleFixture {
  final EventLoopGroup group;
  final EchoServer echo;
  final FakeTailnet tailnet;
  final List<AutoCloseable> open = new ArrayList<>();
  private final Path dir;

  DoubleFixture(Path dir, int threads) throws Exception {
    this.dir = dir;
    group = Transports.EPOLL.newGroup(threads);
    echo = new EchoServer();
    tailnet = new FakeTailnet(dir).peer("web", echo.port());
  }

  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    DaemonStopper.stop(tailnet.stateDir);
    RunningProcess.killAllUnder(dir);
    echo.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }
}
