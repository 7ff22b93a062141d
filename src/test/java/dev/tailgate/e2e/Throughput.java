package dev.tailgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.RunningProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream's download from the peer's web server across the tailnet, through tailgate's relay and
 * straight through the gateway tailscaled's port 1055, interleaved, the median of nine each (single
 * downloads on this 2-core machine vary by a fifth), after two of each that warm up the JIT.
 */
final class Throughput {
  static final long BYTES = 128L << 20;
  static final int ROUNDS = 9;
  static final int WARM_UP = 2;

  private Throughput() {}

  static void measure(RealTailnet net) throws Exception {
    String url = "http://" + net.peerName + ":" + RealTailnet.HTTP_PORT + "/bytes?n=" + BYTES;
    List<Double> relay = new ArrayList<>();
    List<Double> daemon = new ArrayList<>();
    long tailgatePid = net.gatewayUp.process().pid();
    long daemonPid = net.gatewayDaemonPid();
    long t = System.nanoTime();
    // Warm-up, not counted: the relay is a long-lived process, and its first downloads run while
    // the JIT still compiles the relay's path (perf showed C2 busy in them).
    List<Double> warmUp = new ArrayList<>();
    for (int i = 0; i < WARM_UP; i++) {
      warmUp.add(mibPerSecond(net, RealTailnet.GATEWAY_SOCKS_PORT, url));
      warmUp.add(mibPerSecond(net, RealTailnet.RELAY_PORT, url));
    }
    net.timings.put(
        "throughput: warm-up, not counted (MiB/s, 1055 and relay in turn)", warmUp.toString());
    Cpu viaDaemon = new Cpu();
    Cpu viaRelay = new Cpu();
    for (int i = 0; i < ROUNDS; i++) {
      Cpu.Sample before = Cpu.sample(tailgatePid, daemonPid);
      daemon.add(mibPerSecond(net, RealTailnet.GATEWAY_SOCKS_PORT, url));
      Cpu.Sample between = Cpu.sample(tailgatePid, daemonPid);
      relay.add(mibPerSecond(net, RealTailnet.RELAY_PORT, url));
      viaDaemon.add(before, between);
      viaRelay.add(between, Cpu.sample(tailgatePid, daemonPid));
    }
    double gib = ROUNDS * (double) BYTES / (1L << 30);
    net.timings.put("throughput: CPU straight through 1055", viaDaemon.describe(gib));
    net.timings.put("throughput: CPU through tailgate", viaRelay.describe(gib));
    net.timings.phase(
        "throughput: " + 2 * (WARM_UP + ROUNDS) + " downloads of " + (BYTES >> 20) + " MiB",
        Timings.since(t));
    if (Boolean.getBoolean("tailgate.e2e.perf")) {
      perfStat(net, url, tailgatePid);
    }
    double r = median(relay);
    double d = median(daemon);
    net.timings.put(
        "throughput: straight through tailscaled's 1055 (MiB/s, runs)",
        String.format("%.1f %s", d, daemon));
    net.timings.put(
        "throughput: through tailgate (MiB/s, runs)", String.format("%.1f %s", r, relay));
    net.timings.put(
        "throughput: tailgate / tailscaled alone",
        String.format("%.3f (cost %.1f %%)", r / d, 100 * (1 - r / d)));
    assertThat(r).as("MiB/s through tailgate").isPositive();
  }

  /**
   * With {@code -Dtailgate.e2e.perf=true}: the system calls tailgate makes while it relays one more
   * download, from {@code perf stat} on its pid, per MiB relayed, in timings.txt (and the whole
   * report in perf-tailgate.txt). For looking into the relay's CPU time; off by default.
   */
  private static void perfStat(RealTailnet net, String url, long tailgatePid) throws Exception {
    java.nio.file.Path out = net.logs.resolve("perf-tailgate.txt");
    List<String> command =
        new ArrayList<>(
            List.of(
                "perf",
                "stat",
                "-x,",
                "-o",
                out.toString(),
                "-e",
                "syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_readv,"
                    + "syscalls:sys_enter_writev,syscalls:sys_enter_recvfrom,"
                    + "syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_wait,"
                    + "syscalls:sys_enter_epoll_ctl,context-switches,task-clock",
                "--per-thread",
                "-p",
                Long.toString(tailgatePid),
                "--"));
    command.addAll(
        net.ns.exec(Clients.curlSocks5h(RealTailnet.RELAY_PORT, url, "-o", "/dev/null", "-sS")));
    Cpu.Sample before = Cpu.sample(tailgatePid, tailgatePid);
    RunningProcess.Result r =
        RunningProcess.run(command, new byte[0], java.time.Duration.ofSeconds(120));
    Cpu.Sample after = Cpu.sample(tailgatePid, tailgatePid);
    net.timings.put(
        "throughput: tailgate's CPU during the perf download (/proc)",
        (after.tailgate() - before.tailgate()) * 10 + " ms");
    // --per-thread lines: THREAD-TID,COUNT,UNIT,EVENT,...; summed over the threads.
    java.util.Map<String, Double> total = new java.util.LinkedHashMap<>();
    for (String line : java.nio.file.Files.readAllLines(out)) {
      String[] f = line.split(",");
      if (f.length > 3 && !f[1].isEmpty() && Character.isDigit(f[1].charAt(0))) {
        total.merge(f[3].replace("syscalls:sys_enter_", ""), Double.parseDouble(f[1]), Double::sum);
      }
    }
    StringBuilder summary = new StringBuilder();
    double mib = BYTES / (double) (1 << 20);
    total.forEach(
        (event, count) -> summary.append(String.format(" %s %.1f/MiB", event, count / mib)));
    net.timings.put(
        "throughput: tailgate per MiB through it: system calls, context switches, task-clock ms"
            + " (perf stat, exit "
            + r.exitCode()
            + ")",
        summary.toString().strip());
  }

  private static double mibPerSecond(RealTailnet net, int port, String url) throws Exception {
    Clients.Timed run =
        net.clients.timed(
            Clients.curlSocks5h(
                port, url, "-o", "/dev/null", "-w", "%{size_download} %{time_total}"),
            Duration.ofSeconds(120));
    assertThat(run.ok()).as(run.result().output()).isTrue();
    String[] out = run.result().output().strip().split("\\s+");
    assertThat(Long.parseLong(out[0])).as("bytes received through port " + port).isEqualTo(BYTES);
    return BYTES / (1024.0 * 1024.0) / Double.parseDouble(out[1]);
  }

  /**
   * CPU time over some downloads, from /proc: tailgate's JVM, the gateway's tailscaled, and the
   * whole machine (busy and all, in clock ticks of 10 ms). On a 2-core machine that also runs the
   * peer's tailscaled, curl and the web server, the relay's share is the throughput it costs.
   */
  static final class Cpu {
    record Sample(long tailgate, long daemon, long busy, long all) {}

    private long tailgate;
    private long daemon;
    private long busy;
    private long all;

    static Sample sample(long tailgatePid, long daemonPid) throws java.io.IOException {
      String[] cpu =
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))
              .get(0)
              .trim()
              .split("\\s+");
      long total = 0;
      for (int i = 1; i <= 8 && i < cpu.length; i++) {
        total += Long.parseLong(cpu[i]);
      }
      long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
      return new Sample(ticks(tailgatePid), ticks(daemonPid), total - idle, total);
    }

    /** utime + stime of a live process. */
    private static long ticks(long pid) throws java.io.IOException {
      String stat =
          java.nio.file.Files.readString(
              java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    void add(Sample from, Sample to) {
      tailgate += to.tailgate() - from.tailgate();
      daemon += to.daemon() - from.daemon();
      busy += to.busy() - from.busy();
      all += to.all() - from.all();
    }

    String describe(double gib) {
      return String.format(
          "tailgate %.2f s, gateway tailscaled %.2f s (per GiB: %.2f s, %.2f s); machine busy"
              + " %.0f %%",
          tailgate / 100.0,
          daemon / 100.0,
          tailgate / 100.0 / gib,
          daemon / 100.0 / gib,
          all == 0 ? 0 : 100.0 * busy / all);
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
