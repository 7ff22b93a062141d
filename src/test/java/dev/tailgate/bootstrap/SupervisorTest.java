package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tailgate.gateway.DaemonGate;
import dev.tailgate.keys.AuthKeySource;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The supervisor against the test doubles of tailscaled and tailscale, run as real processes, with
 * the real relay in front: cold start and login, adoption, kill -9, SIGSTOP, a target that is down,
 * a busy port, a refused login, and the key kept out of argv.
 */
class SupervisorTest extends OnTheDouble {
  SupervisorTest() {
    super(2);
  }

  @Test
  void coldStartLogsInOnceAndRelaysToAPeerByItsMagicDnsName() throws Exception {
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    RelayServer relay = relay(sup, "tailnet:*");

    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.RUNNING);
    assertThat(sup.magicDnsSuffix()).isEqualTo(FakeTailnet.SUFFIX);
    assertThat(ping(relay, "web." + FakeTailnet.SUFFIX)).isZero();
    assertThat(FakeTailnet.lines(tailnet.logins)).hasSize(1);
    assertThat(Files.getPosixFilePermissions(tailnet.stateDir)).hasSize(3);
  }

  @Test
  void keepsTheKeyOutOfArgvLogsAndLeftoverFiles() throws Exception {
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    long pid = sup.snapshot().pid();

    String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
    assertThat(cmdline).contains("--tun=userspace-networking").doesNotContain(FakeTailnet.KEY);
    assertThat(String.join("\n", FakeTailnet.lines(tailnet.daemonArgv)))
        .doesNotContain(FakeTailnet.KEY);
    List<String> cli = FakeTailnet.lines(tailnet.cliArgv);
    assertThat(cli).hasSize(1);
    assertThat(cli.get(0)).contains("--auth-key=file:").doesNotContain(FakeTailnet.KEY);
    assertThat(Files.readString(tailnet.daemonLog)).doesNotContain(FakeTailnet.KEY);
    String keyPath = cli.get(0).replaceAll(".*--auth-key=file:([^\"]+)\".*", "$1");
    assertThat(Path.of(keyPath)).as("the key file tailscale up read").doesNotExist();
    // The directory goes when the CLI exits, which may come just after tailscaled said Running.
    Path dir = Path.of(keyPath).getParent();
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
    while (Files.exists(dir) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void withoutAKeyPrintsTheLoginUrlAndWaitsForTheLogin() throws Exception {
    java.util.concurrent.BlockingQueue<String> said =
        new java.util.concurrent.LinkedBlockingQueue<>();
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    Supervisor sup = new Supervisor(tailnet.settings(Optional.empty()), api, said::add);
    open.add(api);
    open.add(sup);

    CompletableFuture<Void> started =
        CompletableFuture.runAsync(
            () -> {
              try {
                sup.start();
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    String url = null;
    for (String line; url == null && (line = said.poll(30, TimeUnit.SECONDS)) != null; ) {
      if (line.contains("https://login.example.invalid/")) {
        url = line;
      }
    }
    assertThat(url)
        .as("a progress line with the login URL")
        .isNotNull()
        .contains("to log this node in");
    assertThat(started).isNotDone();

    Process approve =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--max-time",
                "10",
                "--unix-socket",
                tailnet.socket.toString(),
                "-X",
                "POST",
                "http://local-tailscaled.sock/localapi/v0/fake/approve")
            .redirectErrorStream(true)
            .start();
    assertThat(approve.waitFor(20, TimeUnit.SECONDS)).isTrue();

    started.get(30, TimeUnit.SECONDS);
    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.RUNNING);
  }

  @Test
  void adoptsARunningDaemonWithoutASecondLogin() throws Exception {
    Supervisor first = supervisor(tailnet.settings());
    first.start();
    long pid = first.snapshot().pid();
    first.close();

    Supervisor second = supervisor(tailnet.settings());
    second.start();

    assertThat(second.snapshot().pid()).isEqualTo(pid);
    assertThat(FakeTailnet.lines(tailnet.logins)).hasSize(1);
    assertThat(ping(relay(second, "tailnet:*"), "web." + FakeTailnet.SUFFIX)).isZero();
  }

  @Test
  void warnsWhenTheDaemonItAdoptsAcceptsInboundTailnetConnections() throws Exception {
    // A daemon the user started and logged in by hand, without --shields-up.
    BootstrapSettings settings = tailnet.settings();
    Files.createDirectories(tailnet.socket.getParent());
    RunningProcess daemon =
        RunningProcess.start(settings.command().daemon(), dir.resolve("by-hand.log"));
    open.add(daemon);
    List<String> up =
        settings.command().up(tailnet.keyFile).stream()
            .filter(a -> !a.equals("--shields-up"))
            .toList();
    RunningProcess.Result login = null;
    for (int i = 0; i < 100 && (login == null || login.exitCode() != 0); i++) {
      Thread.sleep(100); // until its socket answers
      login = RunningProcess.run(up, new byte[0], Duration.ofSeconds(20));
    }
    assertThat(login.exitCode()).as(login.output()).isZero();
    List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    open.add(api);
    Supervisor adopting = new Supervisor(settings, api, said::add);
    open.add(adopting);

    adopting.start();

    assertThat(said)
        .anySatisfy(l -> assertThat(l).contains("adopting it"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(
                        "warning: the adopted tailscaled accepts inbound tailnet connections")
                    .contains("set --shields-up"));
  }

  @Test
  void saysNothingOfShieldsWhenItAdoptsADaemonItLoggedIn() throws Exception {
    Supervisor first = supervisor(tailnet.settings());
    first.start();
    first.close();
    List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    open.add(api);
    Supervisor second = new Supervisor(tailnet.settings(), api, said::add);
    open.add(second);

    second.start();

    assertThat(said).anySatisfy(l -> assertThat(l).contains("adopting it"));
    assertThat(said).noneMatch(l -> l.contains("shields"));
  }

  @Test
  void restartsAKilledDaemonWithItsStateAndNoNewKeyWhileClientsWait() throws Exception {
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    RelayServer relay = relay(sup, "tailnet:*");
    long pid = sup.snapshot().pid();

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    List<CompletableFuture<Integer>> storm =
        IntStream.range(0, 30)
            .mapToObj(
                i ->
                    CompletableFuture.supplyAsync(
                        () -> {
                          try {
                            return ping(relay, "web." + FakeTailnet.SUFFIX);
                          } catch (IOException e) {
                            return -1;
                          }
                        }))
            .toList();

    for (CompletableFuture<Integer> client : storm) {
      assertThat(client.get(60, TimeUnit.SECONDS)).as("reply to a client during recovery").isZero();
    }
    Supervisor.Snapshot s = sup.snapshot();
    assertThat(s.phase()).isEqualTo(Supervisor.Phase.RUNNING);
    assertThat(s.pid()).isNotEqualTo(pid);
    assertThat(s.restarts()).isEqualTo(1);
    assertThat(FakeTailnet.lines(tailnet.logins)).as("the single-use key is used once").hasSize(1);
  }

  @Test
  void restartsAKilledDaemonWithoutWaitingForTraffic() throws Exception {
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    long pid = sup.snapshot().pid();

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    awaitNewDaemon(sup, pid, Duration.ofSeconds(30));
    assertThat(sup.snapshot().lastFailure()).containsAnyOf("exited", "stream ended");
  }

  @Test
  void aHeldClientIsRefusedOnTimeWhileASlowRestartBlocksTheSupervisor() throws Exception {
    Supervisor sup = supervisor(tailnet.settingsHolding(Duration.ofSeconds(1)));
    sup.start();
    long pid = sup.snapshot().pid();
    // The next daemon takes a minute to make its socket: the restart waits its 30 s for it.
    tailnet.env("TAILSCALED_FAKE_START_DELAY", "60").wrapper("tailscaled");
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (sup.snapshot().phase() == Supervisor.Phase.RUNNING && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }

    long asked = System.nanoTime();
    CompletableFuture<Void> held = new DaemonGate(sup).whenReady();
    Throwable refused =
        org.assertj.core.api.Assertions.catchThrowable(() -> held.get(10, TimeUnit.SECONDS));

    assertThat(refused)
        .isInstanceOf(java.util.concurrent.ExecutionException.class)
        .hasMessageContaining("tailscaled did not recover within 1 s");
    assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void recoversAStoppedDaemonThatNoLongerAnswers() throws Exception {
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    RelayServer relay = relay(sup, "tailnet:*");
    long pid = sup.snapshot().pid();

    new ProcessBuilder("kill", "-STOP", String.valueOf(pid)).start().waitFor();

    assertThat(ping(relay, "web." + FakeTailnet.SUFFIX)).isZero();
    assertThat(sup.snapshot().pid()).isNotEqualTo(pid);
    assertThat(sup.snapshot().restarts()).isEqualTo(1);
    assertThat(ProcessHandle.of(pid)).as("the wedged daemon was killed").isEmpty();
  }

  @Test
  void restartsADaemonWhoseSocketWasRemoved() throws Exception {
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    long pid = sup.snapshot().pid();

    Files.delete(tailnet.socket);

    awaitNewDaemon(sup, pid, Duration.ofSeconds(30));
    assertThat(sup.snapshot().lastFailure()).contains("LocalAPI");
    assertThat(ProcessHandle.of(pid)).as("the old daemon was stopped").isEmpty();
  }

  @Test
  void reportsUnhealthyAfterFailuresInARowAndKeepsTryingUntilItWorks() throws Exception {
    BootstrapSettings settings = tailnet.settings();
    Supervisor sup = supervisor(settings);
    sup.start();
    long pid = sup.snapshot().pid();
    Path daemon = settings.command().tailscaled();
    String working = Files.readString(daemon);
    Files.writeString(daemon, "#!/bin/sh\necho 'test: tailscaled will not start' >&2\nexit 1\n");

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (sup.snapshot().phase() != Supervisor.Phase.UNHEALTHY && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.UNHEALTHY);
    assertThat(sup.snapshot().lastFailure()).contains("test: tailscaled will not start");
    DaemonGate gate = new DaemonGate(sup);
    assertThat(gate.whenReady()).isNotDone();

    Files.writeString(daemon, working);
    awaitNewDaemon(sup, pid, Duration.ofSeconds(30));
    assertThat(gate.whenReady()).isDone();
  }

  private static void awaitNewDaemon(Supervisor sup, long oldPid, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline
        && !(sup.snapshot().phase() == Supervisor.Phase.RUNNING
            && sup.snapshot().pid() != oldPid)) {
      Thread.sleep(50);
    }
    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.RUNNING);
    assertThat(sup.snapshot().pid()).isNotEqualTo(oldPid);
  }

  @Test
  void reportsATargetThatIsDownWithoutRestartingTheDaemon() throws Exception {
    int closed = dev.tailgate.testing.ExternalTool.freePort();
    tailnet.peer("down", closed);
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    RelayServer relay = relay(sup, "tailnet:*");

    assertThat(ping(relay, "down." + FakeTailnet.SUFFIX)).isEqualTo(0x01);

    assertThat(sup.snapshot().restarts()).isZero();
    assertThat(sup.snapshot().phase()).isEqualTo(Supervisor.Phase.RUNNING);
  }

  /**
   * The real tailscaled, just (re)started, can let its first dial to a peer run past its fixed 5 s
   * SOCKS5 dial timeout although it says Running (the e2e test saw it: docs/e2e.md). Here the peer
   * is offline for the first dial and online for the next: the client must get the tunnel.
   */
  @Test
  void retriesAGeneralFailureRightAfterTheDaemonCameUp() throws Exception {
    Path peers = tailnet.dir.resolve("peers.json");
    String offline = "[{\"HostName\": \"late\", \"Address\": \"127.0.0.1:%d\", \"Online\": %s}]";
    Files.writeString(peers, offline.formatted(echo.port(), "false"));
    Supervisor sup = supervisor(tailnet.settings());
    sup.start();
    RelayServer relay = relay(sup, "tailnet:*");
    Thread comesOnline =
        new Thread(
            () -> {
              try {
                Thread.sleep(1000);
                Files.writeString(peers, offline.formatted(echo.port(), "true"));
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    comesOnline.start();

    assertThat(ping(relay, "late." + FakeTailnet.SUFFIX)).isZero();

    comesOnline.join();
    assertThat(sup.snapshot().restarts()).isZero();
  }

  @Test
  void saysInOneLineThatTheSocks5PortIsTaken() throws Exception {
    try (ServerSocket taken =
        new ServerSocket(tailnet.socksPort, 1, InetAddress.getByName("127.0.0.1"))) {
      Supervisor sup = supervisor(tailnet.settings());

      assertThat(taken.isBound()).isTrue();
      assertThatThrownBy(sup::start)
          .isInstanceOf(BootstrapException.class)
          .hasMessageContaining("127.0.0.1:" + tailnet.socksPort)
          .hasMessageContaining("taken")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void saysWhyTheLoginFailed() throws Exception {
    tailnet.env("TAILSCALED_FAKE_REFUSE_LOGIN", "1");
    Supervisor sup = supervisor(tailnet.settings());

    assertThatThrownBy(sup::start)
        .isInstanceOf(BootstrapException.class)
        .hasMessageStartingWith("tailscale up failed: ")
        .hasMessageContaining("invalid key")
        .hasMessageNotContaining(FakeTailnet.KEY);
  }

  @Test
  void saysWhereTheKeyIsMissing() throws Exception {
    Supervisor sup =
        supervisor(
            tailnet.settings(Optional.of(AuthKeySource.parse("env:TAILGATE_TEST_NO_SUCH_VAR"))));

    assertThatThrownBy(sup::start)
        .isInstanceOf(BootstrapException.class)
        .hasMessageContaining("TAILGATE_TEST_NO_SUCH_VAR");
  }
}
