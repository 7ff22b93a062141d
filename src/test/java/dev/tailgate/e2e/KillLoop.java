package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.RunningProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Scenario 5 (issue 14): {@code kill -9} of the gateway's tailscaled {@link #KILLS} times, each
 * followed at once by a loop of requests with no retries anywhere: plain {@code curl
 * --socks5-hostname} by MagicDNS name through the relay, plain {@code ssh} through {@code tailgate
 * connect} (the generated ssh_config) and {@code ansible -m ping} with the generated files and
 * ansible.cfg's ssh {@code retries = 0} ({@link AnsibleOnTailnet#withoutRetries}), in turn, one
 * after another, until the new daemon has been Running for {@link #PAST_RUNNING} (the real daemon
 * says Running on its disk cache's netmap and dials by name fail until control's comes). None may
 * fail. Each kill comes with tailscaled's own netmap cache on disk ({@link NetmapCacheKeeper}), so
 * that the next daemon takes that fast path, which is otherwise a matter of timing. Beside the
 * loop, a probe dials tailscaled's own SOCKS5 port every 10 ms from the kill until it carries a
 * dial, which times tailscaled's own start (its pid file) to a working dial and counts the 0x01 it
 * answers first. Then a peer port with nothing listening must still fail fast through the relay.
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

  /**
   * One kill's measures, in ns from the kill (0: none).
   *
   * @param toFirstByte the first relayed byte: the first curl's first byte of the page, by its
   *     {@code time_starttransfer}
   * @param toFirstAnsible the end of the first {@code ansible -m ping} that succeeded
   */
  record Kill(
      boolean cached,
      long toFirstServed,
      long toFirstByte,
      long toFirstAnsible,
      long toDaemonDial,
      long daemonStartToDial,
      int daemon0x01) {}

  /** The clients of the loop, in turn. */
  private enum Client {
    CURL,
    SSH,
    ANSIBLE
  }

  /** What curl prints after the page: when its first byte came, in seconds from its start. */
  private static final String FIRST_BYTE = "\nfirst-byte %{time_starttransfer}\n";

  static void run(RealTailnet net, AnsibleOnTailnet ansible) throws Exception {
    String page = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/";
    List<Recovery.Request> failed = new ArrayList<>();
    Map<Client, Integer> counts = new EnumMap<>(Client.class);
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
        long firstByte = 0;
        long firstAnsible = 0;
        int served = 0;
        long deadline = killed + LIMIT.toNanos();
        for (int i = 0; System.nanoTime() < deadline; i++) {
          Client client = Client.values()[i % Client.values().length];
          Clients.Timed r =
              switch (client) {
                case CURL ->
                    net.clients.timed(
                        Clients.curlSocks5h(RealTailnet.RELAY_PORT, page, "-w", FIRST_BYTE),
                        Duration.ofSeconds(90));
                case SSH ->
                    net.clients.timed(ansible.ssh(net.peerName, "true"), Duration.ofSeconds(90));
                case ANSIBLE ->
                    ansible.timed(ansible.withoutRetries(ping(net)), Duration.ofSeconds(90));
              };
          requests++;
          counts.merge(client, 1, Integer::sum);
          String out = r.result().output();
          boolean ok =
              r.ok()
                  && switch (client) {
                    case CURL -> out.contains(net.marker);
                    case SSH -> true;
                    case ANSIBLE -> out.contains(net.peerName + " | SUCCESS");
                  };
          if (!ok) {
            failed.add(new Recovery.Request(client.name().toLowerCase(Locale.ROOT), r));
            continue;
          }
          if (firstServed == 0) {
            firstServed = r.endNanos() - killed;
          }
          if (client == Client.CURL && firstByte == 0) {
            firstByte = r.startNanos() + firstByteNanos(out) - killed;
          }
          if (client == Client.ANSIBLE && firstAnsible == 0) {
            firstAnsible = r.endNanos() - killed;
          }
          served++;
          Long running = back.getNow(null);
          if (served >= AT_LEAST
              && firstAnsible != 0
              && running != null
              && (running == 0 || System.nanoTime() - running > PAST_RUNNING.toNanos())) {
            break;
          }
        }
        watcher.join(LIMIT.toMillis());
        kills.add(
            kill(
                cached,
                killed,
                killedAt,
                started.join(),
                new long[] {firstServed, firstByte, firstAnsible},
                probe.join()));
      }
    }
    long loaded = loadedFromCache(net) - loadedBefore;
    Duration dead = deadTarget(net);

    Timings t = net.timings;
    String scenario = "kill loop (" + KILLS + " x kill -9, no client retries): ";
    t.put(
        scenario + "requests / failed",
        requests
            + " / "
            + failed.size()
            + " (curl, ssh, ansible -m ping: "
            + counts.values()
            + ")");
    t.put(
        scenario + "kills with tailscaled's netmap cache on disk / daemons that loaded it",
        kills.stream().filter(Kill::cached).count() + " / " + loaded + " of " + KILLS);
    t.put(
        scenario + "kill -> first request served through tailgate (median / worst)",
        spread(kills.stream().map(Kill::toFirstServed).toList()));
    t.put(
        scenario + "kill -> first relayed byte, curl's first byte of the page (median / worst)",
        spread(kills.stream().map(Kill::toFirstByte).toList()));
    t.put(
        scenario + "kill -> first ansible -m ping done, ssh retries = 0 (median / worst)",
        spread(kills.stream().map(Kill::toFirstAnsible).toList()));
    t.put(
        scenario + "kill -> tailscaled's own SOCKS5 carries a dial (median / worst)",
        spread(kills.stream().map(Kill::toDaemonDial).toList()));
    t.put(
        scenario + "tailscaled's own start -> its SOCKS5 carries a dial (median / worst)",
        spread(kills.stream().map(Kill::daemonStartToDial).toList()));
    t.put(
        scenario
            + "tailgate's part: first relayed byte - tailscaled's own first dial (median / worst)",
        spread(kills.stream().map(x -> x.toFirstByte() - x.toDaemonDial()).toList()));
    t.put(
        scenario + "0x01 replies tailscaled's own SOCKS5 gave first, per kill",
        kills.stream().map(x -> Integer.toString(x.daemon0x01())).toList().toString());
    t.put(scenario + "dead target (peer port, nothing listening) through tailgate", ms(dead));

    assertThat(failed)
        .as("failed requests (%d in all): %s", requests, Recovery.describe(failed))
        .isEmpty();
    assertThat(kills).allSatisfy(x -> assertThat(x.toDaemonDial()).isPositive());
    assertThat(kills).allSatisfy(x -> assertThat(x.toFirstAnsible()).isPositive());
    assertThat(counts.get(Client.ANSIBLE)).isGreaterThanOrEqualTo(KILLS);
    assertThat(dead).as("a dead target still fails fast").isLessThan(Duration.ofSeconds(2));
  }

  /**
   * {@code ansible -m ping}: a module over ssh, as a play's first task is. The inventory is the
   * peer's name, not the dynamic one: that asks the gateway's tailscaled, which is what was killed,
   * and the subject here is the connection.
   */
  private static List<String> ping(RealTailnet net) {
    return List.of("ansible", "all", "-i", net.peerName + ",", "-m", "ansible.builtin.ping");
  }

  /** curl's {@link #FIRST_BYTE} line, in ns. */
  private static long firstByteNanos(String output) {
    int at = output.lastIndexOf("first-byte ");
    if (at < 0) {
      return 0;
    }
    String seconds = output.substring(at + "first-byte ".length()).strip();
    return (long) (Double.parseDouble(seconds) * 1e9);
  }

  /**
   * @param served from the kill: first request served, first byte, first ansible (0: none)
   */
  private static Kill kill(
      boolean cached,
      long killed,
      Instant killedAt,
      long started,
      long[] served,
      RunningProcess.Result probe) {
    String[] words = probe.output().strip().split(" ");
    long killEpoch = killedAt.getEpochSecond() * 1_000_000_000L + killedAt.getNano();
    // The probe's clock is the epoch's: its first working dial, on this JVM's nanoTime.
    long dial = words[0].equals("ok") ? killed + Long.parseLong(words[1]) - killEpoch : 0;
    return new Kill(
        cached,
        served[0],
        served[1],
        served[2],
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
