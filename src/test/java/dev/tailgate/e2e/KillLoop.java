package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.RunningProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Scenario 5 (issue 14): {@code kill -9} of the gateway's tailscaled {@link #KILLS} times, each
 * followed at once by a loop of requests with no retries anywhere: plain {@code curl
 * --socks5-hostname} by MagicDNS name through the relay and plain {@code ssh} through {@code
 * tailgate connect} (the generated ssh_config), alternating, one after another, until the new
 * daemon has been Running for {@link #PAST_RUNNING} (the real daemon says Running on its disk
 * cache's netmap and dials by name fail until control's comes). None may fail. Each kill comes with
 * tailscaled's own netmap cache on disk ({@link NetmapCacheKeeper}), so that the next daemon takes
 * that fast path, which is otherwise a matter of timing. Beside the loop, a probe dials
 * tailscaled's own SOCKS5 port every 10 ms from the kill until it carries a dial, which times
 * tailscaled's own start (its pid file) to a working dial and counts the 0x01 it answers first.
 * Then a peer port with nothing listening must still fail fast through the relay.
 */
final class KillLoop {
  static final int KILLS = 10;
  static final Duration PAST_RUNNING = Duration.ofMillis(2500);
  static final int AT_LEAST = 3;
  static final Duration LIMIT = Duration.ofSeconds(90);

  /** Dials HOST:PORT through the SOCKS5 proxy on 127.0.0.1:PROXY until reply 0x00. */
  private static final String PROBE =
      """
      import socket, struct, sys, time
      port, host, target = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
      end, failed = time.time() + float(sys.argv[4]), 0
      while time.time() < end:
          try:
              with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                  s.sendall(b"\\x05\\x01\\x00")
                  if s.recv(2) == b"\\x05\\x00":
                      s.sendall(b"\\x05\\x01\\x00\\x03" + bytes([len(host)]) + host
                                + struct.pack(">H", target))
                      reply = s.recv(10)
                      if len(reply) >= 2 and reply[1] == 0:
                          print("ok %d %d" % (time.time_ns(), failed))
                          sys.exit(0)
                      failed += 1
          except OSError:
              pass
          time.sleep(0.01)
      print("none 0 %d" % failed)
      sys.exit(1)
      """;

  private KillLoop() {}

  record Kill(
      boolean cached,
      long toFirstServed,
      long toDaemonDial,
      long daemonStartToDial,
      int daemon0x01) {}

  static void run(RealTailnet net, AnsibleOnTailnet ansible) throws Exception {
    String page = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/";
    List<Recovery.Request> failed = new ArrayList<>();
    List<Kill> kills = new ArrayList<>();
    int requests = 0;
    long loadedBefore = loadedFromCache(net);
    try (NetmapCacheKeeper cache = NetmapCacheKeeper.of(net)) {
      for (int k = 0; k < KILLS; k++) {
        boolean cached = awaitCache(cache);
        long old = net.gatewayDaemonPid();
        CompletableFuture<Long> back = new CompletableFuture<>();
        long killed = System.nanoTime();
        Instant killedAt = Instant.now();
        ProcessHandle.of(old).orElseThrow().destroyForcibly(); // SIGKILL
        CompletableFuture<Long> started = CompletableFuture.supplyAsync(() -> newPid(net, old));
        CompletableFuture<RunningProcess.Result> probe =
            CompletableFuture.supplyAsync(() -> probe(net, RealTailnet.GATEWAY_SOCKS_PORT, page));
        Thread watcher =
            new Thread(() -> back.complete(Recovery.runningAgain(net, old)), "e2e-running-again");
        watcher.start();
        long firstServed = 0;
        int served = 0;
        long deadline = killed + LIMIT.toNanos();
        for (int i = 0; System.nanoTime() < deadline; i++) {
          boolean curl = i % 2 == 0;
          List<String> command =
              curl
                  ? Clients.curlSocks5h(RealTailnet.RELAY_PORT, page)
                  : ansible.ssh(net.peerName, "true");
          Clients.Timed r = net.clients.timed(command, Duration.ofSeconds(90));
          requests++;
          boolean ok = r.ok() && (!curl || r.result().output().contains(net.marker));
          if (!ok) {
            failed.add(new Recovery.Request(curl ? "curl" : "ssh", r));
          } else if (firstServed == 0) {
            firstServed = r.endNanos() - killed;
          }
          served++;
          Long running = back.getNow(null);
          if (served >= AT_LEAST
              && running != null
              && (running == 0 || System.nanoTime() - running > PAST_RUNNING.toNanos())) {
            break;
          }
        }
        watcher.join(LIMIT.toMillis());
        kills.add(kill(cached, killed, killedAt, started.join(), firstServed, probe.join()));
      }
    }
    long loaded = loadedFromCache(net) - loadedBefore;
    Duration dead = deadTarget(net);

    Timings t = net.timings;
    String scenario = "kill loop (" + KILLS + " x kill -9, no client retries): ";
    t.put(scenario + "requests / failed", requests + " / " + failed.size());
    t.put(
        scenario + "kills with tailscaled's netmap cache on disk / daemons that loaded it",
        kills.stream().filter(Kill::cached).count() + " / " + loaded + " of " + KILLS);
    t.put(
        scenario + "kill -> first request served through tailgate (median / worst)",
        spread(kills.stream().map(Kill::toFirstServed).toList()));
    t.put(
        scenario + "kill -> tailscaled's own SOCKS5 carries a dial (median / worst)",
        spread(kills.stream().map(Kill::toDaemonDial).toList()));
    t.put(
        scenario + "tailscaled's own start -> its SOCKS5 carries a dial (median / worst)",
        spread(kills.stream().map(Kill::daemonStartToDial).toList()));
    t.put(
        scenario + "tailgate's part: first served - tailscaled's own first dial (median / worst)",
        spread(kills.stream().map(x -> x.toFirstServed() - x.toDaemonDial()).toList()));
    t.put(
        scenario + "0x01 replies tailscaled's own SOCKS5 gave first, per kill",
        kills.stream().map(x -> Integer.toString(x.daemon0x01())).toList().toString());
    t.put(scenario + "dead target (peer port, nothing listening) through tailgate", ms(dead));

    assertThat(failed)
        .as("failed requests (%d in all): %s", requests, Recovery.describe(failed))
        .isEmpty();
    assertThat(kills).allSatisfy(x -> assertThat(x.toDaemonDial()).isPositive());
    assertThat(dead).as("a dead target still fails fast").isLessThan(Duration.ofSeconds(2));
  }

  private static Kill kill(
      boolean cached,
      long killed,
      Instant killedAt,
      long started,
      long firstServed,
      RunningProcess.Result probe) {
    String[] words = probe.output().strip().split(" ");
    long killEpoch = killedAt.getEpochSecond() * 1_000_000_000L + killedAt.getNano();
    // The probe's clock is the epoch's: its first working dial, on this JVM's nanoTime.
    long dial = words[0].equals("ok") ? killed + Long.parseLong(words[1]) - killEpoch : 0;
    return new Kill(
        cached,
        firstServed,
        dial == 0 ? 0 : dial - killed,
        dial == 0 || started == 0 ? 0 : dial - started,
        Integer.parseInt(words[2]));
  }

  /** When the pid file names a daemon other than {@code old} (tailgate writes it at the spawn). */
  private static long newPid(RealTailnet net, long old) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (net.gatewayDaemonPid() != old) {
          return System.nanoTime();
        }
      } catch (java.io.IOException | RuntimeException noPidFileYet) {
        // being rewritten
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
    }
    return 0;
  }

  /** Up to 8 s for tailscaled's netmap cache to be on disk (the first daemon writes it late). */
  private static boolean awaitCache(NetmapCacheKeeper cache) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    while (!cache.restore()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  /** How many times the gateway's tailscaled said it started on its disk cache's netmap. */
  private static long loadedFromCache(RealTailnet net) throws java.io.IOException {
    String log =
        new String(
            java.nio.file.Files.readAllBytes(net.tailscaledLog),
            java.nio.charset.StandardCharsets.ISO_8859_1);
    return log.split("loaded netmap from disk cache", -1).length - 1;
  }

  private static RunningProcess.Result probe(RealTailnet net, int proxyPort, String page) {
    try {
      return net.clients.run(
          List.of(
              "python3",
              "-c",
              PROBE,
              Integer.toString(proxyPort),
              net.peerName,
              Integer.toString(RealTailnet.HTTP_PORT),
              Long.toString(LIMIT.toSeconds())),
          LIMIT.plusSeconds(10));
    } catch (Exception e) {
      throw new IllegalStateException("the dial probe did not run: " + page, e);
    }
  }

  /** A SOCKS5 CONNECT through the relay to a peer port where nothing listens, settled. */
  private static Duration deadTarget(RealTailnet net) throws Exception {
    Thread.sleep(3000); // past the moments right after a start, when a 0x01 is dialled again
    Clients.Timed r =
        net.clients.timed(
            Socks5Probe.command(RealTailnet.RELAY_PORT, net.peerName, RealTailnet.DEAD_PORT),
            Duration.ofSeconds(60));
    assertThat(r.result().output()).as("the relay's reply").contains("reply 0x01");
    return Duration.ofNanos(r.endNanos() - r.startNanos());
  }

  /** "median / worst" of durations in ns. */
  private static String spread(List<Long> nanos) {
    List<Long> sorted = nanos.stream().sorted().toList();
    long median =
        sorted.size() % 2 == 1
            ? sorted.get(sorted.size() / 2)
            : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
    return ms(Duration.ofNanos(median))
        + " / "
        + ms(Duration.ofNanos(sorted.get(sorted.size() - 1)))
        + " (each: "
        + sorted.stream().map(n -> Long.toString(n / 1_000_000)).toList()
        + " ms)";
  }

  private static String ms(Duration d) {
    return Timings.ms(d);
  }
}
