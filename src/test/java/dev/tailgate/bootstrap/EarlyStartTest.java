package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.SocksClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * tailscaled started before netty is loaded: only when nothing can answer on the socket; a daemon
 * that answers is still adopted, a leftover without its socket is still stopped by its pid file.
 * Then the bring-up on a thread of its own while the relay is set up: a client that comes before
 * Running is held and served.
 */
class EarlyStartTest extends OnTheDouble {
  private final List<String> progress = new ArrayList<>();

  EarlyStartTest() {
    super(1);
  }

  private BootstrapSettings settings;

  /**
   * One set of settings per test, made after its knobs: making them writes the doubles' wrapper
   * scripts, which must not be rewritten while a daemon starts from them ("Text file busy").
   */
  private BootstrapSettings settings() throws Exception {
    if (settings == null) {
      settings = tailnet.settings();
    }
    return settings;
  }

  private Supervisor supervisor() throws Exception {
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    Supervisor s = new Supervisor(settings(), api, progress::add);
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
    EarlyStart early = EarlyStart.ifNothingListens(settings(), progress::add);

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
    first.start(EarlyStart.ifNothingListens(settings(), progress::add));
    long pid = first.snapshot().pid();
    first.close();

    EarlyStart early = EarlyStart.ifNothingListens(settings(), progress::add);
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
    EarlyStart first = EarlyStart.ifNothingListens(settings(), progress::add);
    supervisor().start(first);
    long leftover = first.process().orElseThrow().pid();
    Files.delete(tailnet.socket);

    EarlyStart second = EarlyStart.ifNothingListens(settings(), progress::add);

    assertThat(second.started()).isTrue();
    assertThat(ProcessHandle.of(leftover).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(second.process().orElseThrow().pid()).isNotEqualTo(leftover);
  }

  @Test
  void aClientThatComesBeforeRunningIsHeldAndServedOnceTheBringUpEnds() throws Exception {
    tailnet.env("TAILSCALED_FAKE_START_DELAY", "1");
    EarlyStart early = EarlyStart.ifNothingListens(settings(), progress::add);
    Supervisor sup = supervisor();
    CompletableFuture<Void> running = sup.begin(early);
    // A rule by name: a `tailnet` rule matches nothing before the MagicDNS suffix is known, which
    // is why tailgate up binds its relay only once tailscaled is Running.
    RelayServer relay = relay(sup, "web." + FakeTailnet.SUFFIX + ":22");

    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.STARTING);
    try (Socket s = SocksClient.open(relay.address())) {
      s.setSoTimeout(30_000);
      assertThat(SocksClient.connect(s, "web." + FakeTailnet.SUFFIX, 22)).isZero();
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      assertThat(s.getInputStream().readNBytes(4))
          .isEqualTo("ping".getBytes(StandardCharsets.US_ASCII));
    }
    running.get(30, TimeUnit.SECONDS);
    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.RUNNING);
    assertThat(FakeTailnet.lines(tailnet.logins)).hasSize(1);
  }

  @Test
  void aFailedBringUpFailsTheFutureWithTheOneLineReason() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(tailnet.socksPort, 1, InetAddress.getByName("127.0.0.1"))) {
      CompletableFuture<Void> running =
          supervisor().begin(EarlyStart.ifNothingListens(settings(), progress::add));

      assertThat(taken.isBound()).isTrue();
      assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(BootstrapException.class)
          .hasMessageContaining("taken");
    }
  }

  @Test
  void closingTheSupervisorEndsABringUpStillUnderWay() throws Exception {
    tailnet.env("TAILSCALED_FAKE_START_DELAY", "20");
    Supervisor sup = supervisor();
    CompletableFuture<Void> running =
        sup.begin(EarlyStart.ifNothingListens(settings(), progress::add));

    sup.close();

    assertThatThrownBy(() -> running.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(InterruptedException.class);
  }

  @Test
  void saysInOneLineThatTheSocks5PortIsTakenWhenStartedEarly() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(tailnet.socksPort, 1, InetAddress.getByName("127.0.0.1"))) {
      EarlyStart early = EarlyStart.ifNothingListens(settings(), progress::add);
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
