package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailgate.relay.Transports;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tailscaled started before netty is loaded: only when nothing can answer on the socket; a daemon
 * that answers is still adopted, a leftover without its socket is still stopped by its pid file.
 */
class EarlyStartTest {
  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<String> progress = new ArrayList<>();
  private EventLoopGroup group;
  private EchoServer echo;
  private FakeTailnet tailnet;

  @BeforeEach
  void setUp() throws Exception {
    group = Transports.EPOLL.newGroup(1);
    echo = new EchoServer();
    tailnet = new FakeTailnet(dir).peer("web", echo.port());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    DaemonStopper.stop(tailnet.stateDir);
    RunningProcess.killAllUnder(dir);
    echo.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private Supervisor supervisor() throws Exception {
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    Supervisor s = new Supervisor(tailnet.settings(), api, progress::add);
    open.add(api);
    open.add(s);
    return s;
  }

  private long daemonStarts() throws Exception {
    return FakeTailnet.lines(tailnet.daemonArgv).size();
  }

  @Test
  void nothingListensOnAMissingSocketOrAStaleOneButSomethingMayOnALiveOne() throws Exception {
    Path socket = dir.resolve("s.sock");
    assertThat(EarlyStart.nothingListens(socket)).as("no file").isTrue();
    try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      live.bind(UnixDomainSocketAddress.of(socket));
      assertThat(EarlyStart.nothingListens(socket)).as("a listener").isFalse();
    }
    assertThat(Files.exists(socket)).isTrue();
    assertThat(EarlyStart.nothingListens(socket)).as("the file a closed listener left").isTrue();
  }

  @Test
  void startsTheDaemonAtOnceAndTheSupervisorGoesOnFromItWithoutASecondStart() throws Exception {
    EarlyStart early = EarlyStart.ifNothingListens(tailnet.settings(), progress::add);

    assertThat(early.started()).isTrue();
    long pid = early.process().orElseThrow().pid();
    assertThat(Files.readAllLines(tailnet.stateDir.resolve(TailscaledProcess.PID_FILE)).get(0))
        .isEqualTo(Long.toString(pid));
    assertThat(Files.getPosixFilePermissions(tailnet.stateDir)).hasSize(3);
    assertThat(Files.getPosixFilePermissions(tailnet.socket.getParent())).hasSize(3);
    assertThat(progress).anyMatch(line -> line.startsWith("started tailscaled (pid " + pid));

    Supervisor sup = supervisor();
    sup.start(early);

    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.RUNNING);
    assertThat(sup.snapshot().pid()).isEqualTo(pid);
    assertThat(daemonStarts()).isEqualTo(1);
    assertThat(FakeTailnet.lines(tailnet.logins)).hasSize(1);
    assertThat(sup.history().get(0).note()).startsWith("started tailscaled");
  }

  @Test
  void adoptingADaemonThatAnswersStillWinsOverStartingOne() throws Exception {
    Supervisor first = supervisor();
    first.start(EarlyStart.ifNothingListens(tailnet.settings(), progress::add));
    long pid = first.snapshot().pid();
    first.close();

    EarlyStart early = EarlyStart.ifNothingListens(tailnet.settings(), progress::add);
    assertThat(early.started()).isFalse();
    Supervisor second = supervisor();
    second.start(early);

    assertThat(second.snapshot().pid()).isEqualTo(pid);
    assertThat(second.history().get(0).note()).startsWith("adopted tailscaled");
    assertThat(daemonStarts()).isEqualTo(1);
    assertThat(FakeTailnet.lines(tailnet.logins)).hasSize(1);
  }

  @Test
  void stopsALeftoverWhoseSocketIsGoneByItsPidFileBeforeStartingAnew() throws Exception {
    EarlyStart first = EarlyStart.ifNothingListens(tailnet.settings(), progress::add);
    supervisor().start(first);
    long leftover = first.process().orElseThrow().pid();
    Files.delete(tailnet.socket);

    EarlyStart second = EarlyStart.ifNothingListens(tailnet.settings(), progress::add);

    assertThat(second.started()).isTrue();
    assertThat(ProcessHandle.of(leftover).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(second.process().orElseThrow().pid()).isNotEqualTo(leftover);
  }

  @Test
  void saysInOneLineThatTheSocks5PortIsTakenWhenStartedEarly() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(tailnet.socksPort, 1, InetAddress.getByName("127.0.0.1"))) {
      EarlyStart early = EarlyStart.ifNothingListens(tailnet.settings(), progress::add);
      Supervisor sup = supervisor();

      assertThat(taken.isBound()).isTrue();
      assertThatThrownBy(() -> sup.start(early))
          .isInstanceOf(BootstrapException.class)
          .hasMessageContaining("127.0.0.1:" + tailnet.socksPort)
          .hasMessageContaining("taken")
          .hasMessageNotContaining("\n");
    }
  }
}
