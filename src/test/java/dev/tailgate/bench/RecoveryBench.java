package dev.tailgate.bench;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.bootstrap.DaemonStopper;
import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.gateway.DaemonGate;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.relay.RelaySettings;
import dev.tailgate.relay.RelayStats;
import dev.tailgate.relay.Socks5Dialer;
import dev.tailgate.relay.Transports;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How long clients notice a tailscaled that was killed: the supervisor and the relay in this JVM,
 * the test double of tailscaled as a real process, a client connecting every 10 ms through the
 * relay to a peer by its MagicDNS name. Each round sends SIGKILL to the daemon and measures, side
 * by side, when the new daemon was Running (its own restart time, the reference) and when the next
 * client connection succeeded; failed client connections are counted over the whole run.
 *
 * <p>usage: RecoveryBench [ROUNDS] [OUT_FILE]
 */
public final class RecoveryBench {
  private static final long CLIENT_EVERY_MS = 10;

  private record Attempt(long startNanos, long endNanos, boolean ok) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path out = Path.of(args.length > 1 ? args[1] : "docs/recovery-latest.txt");
    Path dir = Files.createTempDirectory("tailgate-recovery-bench");
    EventLoopGroup group = Transports.EPOLL.newGroup(2);
    try (dev.tailgate.testing.EchoServer echo = new dev.tailgate.testing.EchoServer()) {
      FakeTailnet tailnet = new FakeTailnet(dir).peer("web", echo.port());
      LocalApiClient api = new LocalApiClient(group, tailnet.socket);
      Supervisor sup = new Supervisor(tailnet.settings(), api, m -> {});
      sup.start();
      RelayServer relay =
          RelayServer.start(
              new RelaySettings(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                  RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
                  RelaySettings.DEFAULT_DIAL_TIMEOUT,
                  Duration.ofMinutes(1),
                  null),
              Allowlist.parse(List.of("tailnet:*"), sup::magicDnsSuffix),
              new Socks5Dialer(
                  Transports.EPOLL,
                  new InetSocketAddress("127.0.0.1", tailnet.socksPort),
                  RelaySettings.DEFAULT_DIAL_TIMEOUT),
              new DaemonGate(sup),
              ConnectionLog.DISCARD,
              new RelayStats(),
              group,
              Transports.EPOLL);
      ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread client = new Thread(() -> clientLoop(relay, attempts, running), "bench-client");
      client.start();
      StringBuilder report = new StringBuilder();
      report.append("# Recovery benchmark, ").append(Instant.now()).append("\n\n");
      report
          .append("tailscaled: the test double (src/test/fakes/tailscaled); a client every ")
          .append(CLIENT_EVERY_MS)
          .append(" ms through the relay to web.")
          .append(FakeTailnet.SUFFIX)
          .append(".\n\n");
      report.append(
          "| round | daemon Running again after kill (ms) | next client success after kill (ms) | client success after daemon Running (ms) |\n");
      report.append("| ---: | ---: | ---: | ---: |\n");
      List<Long> clientMs = new ArrayList<>();
      List<Long> afterUpMs = new ArrayList<>();
      Thread.sleep(1000);
      for (int round = 1; round <= rounds; round++) {
        long pid = sup.snapshot().pid();
        long killed = System.nanoTime();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        long deadline = killed + TimeUnit.SECONDS.toNanos(60);
        while ((sup.snapshot().pid() == pid || sup.snapshot().phase() != Supervisor.Phase.RUNNING)
            && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        long up = System.nanoTime();
        long success = firstSuccessStartedAfter(attempts, killed, deadline);
        long daemonMs = TimeUnit.NANOSECONDS.toMillis(up - killed);
        long clientSeenMs = TimeUnit.NANOSECONDS.toMillis(success - killed);
        long afterUp = TimeUnit.NANOSECONDS.toMillis(Math.max(0, success - up));
        clientMs.add(clientSeenMs);
        afterUpMs.add(afterUp);
        report.append(
            String.format("| %d | %d | %d | %d |%n", round, daemonMs, clientSeenMs, afterUp));
        Thread.sleep(2000);
      }
      running.set(false);
      client.join();
      long failed = attempts.stream().filter(a -> !a.ok()).count();
      long max = afterUpMs.stream().mapToLong(Long::longValue).max().orElse(0);
      report.append(
          String.format(
              "%nclient connections: %d, failed: %d (target 0: %s)%n",
              attempts.size(), failed, failed == 0 ? "PASS" : "MISS"));
      report.append(
          String.format(
              "worst time from the daemon Running again to a client success: %d ms (target <= 3000: %s)%n",
              max, max <= 3000 ? "PASS" : "MISS"));
      report.append(
          String.format("restarts counted by the supervisor: %d%n", sup.snapshot().restarts()));
      relay.close();
      sup.close();
      api.close();
      DaemonStopper.stop(tailnet.stateDir);
      Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
      System.out.print(report);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** Waits for the first successful attempt that started after {@code after}. */
  private static long firstSuccessStartedAfter(
      ConcurrentLinkedQueue<Attempt> attempts, long after, long deadline)
      throws InterruptedException {
    while (System.nanoTime() < deadline) {
      for (Attempt a : attempts) {
        if (a.ok() && a.startNanos() > after) {
          return a.endNanos();
        }
      }
      Thread.sleep(1);
    }
    throw new IllegalStateException("no client succeeded within 60 s of the kill");
  }

  private static void clientLoop(
      RelayServer relay, ConcurrentLinkedQueue<Attempt> attempts, AtomicBoolean running) {
    while (running.get()) {
      long start = System.nanoTime();
      boolean ok;
      try (Socket s = SocksClient.open(relay.address())) {
        s.setSoTimeout(40_000);
        ok = SocksClient.connect(s, "web." + FakeTailnet.SUFFIX, 22) == 0;
        if (ok) {
          s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
          ok =
              new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)
                  .equals("ping");
        }
      } catch (IOException e) {
        ok = false;
      }
      attempts.add(new Attempt(start, System.nanoTime(), ok));
      try {
        Thread.sleep(CLIENT_EVERY_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
