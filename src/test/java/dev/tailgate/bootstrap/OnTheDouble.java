package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.gateway.DaemonGate;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.relay.RelaySettings;
import dev.tailgate.relay.RelayStats;
import dev.tailgate.relay.Socks5Dialer;
import dev.tailgate.relay.Transports;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a test of the bootstrap against the tailscaled double stands on, made anew for each test: an
 * event loop group, an echo server as the peer {@code web}, the double's files in the test's
 * directory. After each test it closes what the test added to {@link #open} (last first), stops the
 * daemon by its pid file and kills anything still running under the directory.
 */
abstract class OnTheDouble {
  @TempDir Path dir;

  EventLoopGroup group;
  EchoServer echo;
  FakeTailnet tailnet;
  final List<AutoCloseable> open = new ArrayList<>();
  private final int threads;

  /**
   * @param threads the event loop group's threads
   */
  OnTheDouble(int threads) {
    this.threads = threads;
  }

  @BeforeEach
  void standUpTheDouble() throws Exception {
    group = Transports.EPOLL.newGroup(threads);
    echo = new EchoServer();
    tailnet = new FakeTailnet(dir).peer("web", echo.port());
  }

  @AfterEach
  void tearDownTheDouble() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    DaemonStopper.stop(tailnet.stateDir);
    RunningProcess.killAllUnder(dir);
    echo.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /**
   * A relay in front of the double's SOCKS5, allowing {@code rule}, behind the gateway's gate on
   * {@code daemon}.
   */
  RelayServer relay(Supervisor daemon, String rule) throws Exception {
    Transports t = Transports.EPOLL;
    RelaySettings settings =
        new RelaySettings(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            Duration.ofSeconds(10),
            Duration.ofSeconds(3),
            Duration.ofMinutes(1),
            null);
    RelayServer relay =
        RelayServer.start(
            settings,
            Allowlist.parse(List.of(rule), daemon::magicDnsSuffix),
            new Socks5Dialer(
                t, new InetSocketAddress("127.0.0.1", tailnet.socksPort), Duration.ofSeconds(3)),
            new DaemonGate(daemon),
            ConnectionLog.DISCARD,
            new RelayStats(),
            group,
            t);
    open.add(relay);
    return relay;
  }

  /** A supervisor of the double, closed after the test. */
  Supervisor supervisor(BootstrapSettings settings) {
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    Supervisor s = new Supervisor(settings, api, message -> {});
    open.add(api);
    open.add(s);
    return s;
  }

  /** SOCKS5 CONNECT through the relay to {@code host}:22 and an echo; returns the reply code. */
  static int ping(RelayServer relay, String host) throws IOException {
    try (Socket s = SocksClient.open(relay.address())) {
      s.setSoTimeout(40_000);
      int reply = SocksClient.connect(s, host, 22);
      if (reply == 0) {
        s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertThat(s.getInputStream().readNBytes(4))
            .isEqualTo("ping".getBytes(StandardCharsets.US_ASCII));
      }
      return reply;
    }
  }
}
