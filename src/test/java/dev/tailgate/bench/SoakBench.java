package dev.tailgate.bench;

import dev.tailgate.bootstrap.DaemonStopper;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.NioEchoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A soak of tailgate in bootstrap mode, a process of its own in front of the test double of
 * tailscaled: short connections, bulk streams and idle connections through it for N minutes while
 * the daemon is killed (SIGKILL) at 1/3 and 2/3 of the run. Counts the connections that failed
 * outside a window around each kill (lost) and those inside (cut by the kill, or new and not served
 * during the re-bootstrap), and compares tailgate's descriptors, RSS and heap after a GC at the
 * start and at the end, each with no client connection open.
 *
 * <p>usage: SoakBench --minutes N --dir DIR --jar JAR --out FILE; run by scripts/bench-soak.sh.
 */
public final class SoakBench {
  private static final long WARMUP_SECONDS = 20;
  private static final long SETTLE_SECONDS = 5;
  private static final long WINDOW_BEFORE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long WINDOW_AFTER_NANOS = TimeUnit.SECONDS.toNanos(15);

  /** The heap after a GC may grow this much (of the start's) before it counts as not back. */
  static final double HEAP_TOLERANCE = 0.25;

  /** And at least this many MiB, for a small heap. */
  static final double HEAP_TOLERANCE_MIB = 4;

  private record Kill(long atNanos, long oldPid, long newPid, long backNanos) {}

  private SoakBench() {}

  public static void main(String[] args) throws Exception {
    int minutes = 10;
    Path dir = null;
    Path jar = Path.of("target/tailgate.jar");
    Path out = Path.of("docs/soak-latest.txt");
    for (BenchOptions.Flag f : BenchOptions.Flag.pairs(args)) {
      switch (f.name()) {
        case "--minutes" -> minutes = (int) BenchOptions.positive(f.name(), f.value());
        case "--dir" -> dir = Path.of(f.value());
        case "--jar" -> jar = Path.of(f.value());
        case "--out" -> out = Path.of(f.value());
        default -> throw new IllegalArgumentException("unknown option " + f.name());
      }
    }
    if (dir == null) {
      throw new IllegalArgumentException("--dir is needed");
    }
    Files.createDirectories(dir);
    String report = run(minutes, dir.toAbsolutePath(), jar.toAbsolutePath());
    Files.writeString(out, report, StandardCharsets.UTF_8);
    System.out.print(report);
    System.exit(0);
  }

  private static String run(int minutes, Path dir, Path jar) throws Exception {
    try (NioEchoServer echo = NioEchoServer.start(1)) {
      FakeTailnet tailnet = new FakeTailnet(dir).peer("web", echo.address().getPort());
      int port = ExternalTool.freePort();
      Process tailgate = startTailgate(jar, tailnet, port, dir);
      Thread stopper = new Thread(() -> stopAll(tailgate, tailnet), "soak-stop");
      Runtime.getRuntime().addShutdownHook(stopper);
      try {
        return soak(minutes, tailnet, tailgate, port, dir);
      } finally {
        Runtime.getRuntime().removeShutdownHook(stopper);
        stopAll(tailgate, tailnet);
      }
    }
  }

  private static String soak(int minutes, FakeTailnet tailnet, Process tailgate, int port, Path dir)
      throws Exception {
    InetSocketAddress relay = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    String host = "web." + FakeTailnet.SUFFIX;
    long pid = tailgate.pid();
    log("warm-up: %d s of short and bulk connections", WARMUP_SECONDS);
    SoakTraffic warmup = new SoakTraffic(relay, host, 22);
    warmup.start(false);
    Thread.sleep(TimeUnit.SECONDS.toMillis(WARMUP_SECONDS));
    long warmupFailed = warmup.stop().stream().filter(a -> !a.ok()).count();
    Thread.sleep(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));
    TailgateSnapshot first = TailgateSnapshot.take(pid);
    log("start: %s", first);
    String loadStart = TailgateSnapshot.loadAverage();

    SoakTraffic traffic = new SoakTraffic(relay, host, 22);
    long start = System.nanoTime();
    long total = TimeUnit.MINUTES.toNanos(minutes);
    traffic.start(true);
    List<Kill> kills = new ArrayList<>();
    for (int k = 1; k <= 2; k++) {
      sleepUntil(start + total * k / 3);
      kills.add(kill(tailnet, dir));
      Kill last = kills.get(kills.size() - 1);
      log(
          "kill %d: daemon %d -> %d, back in %d ms",
          k, last.oldPid(), last.newPid(), (last.backNanos() - last.atNanos()) / 1_000_000);
    }
    sleepUntil(start + total);
    List<SoakTraffic.Attempt> attempts = traffic.stop();
    Thread.sleep(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));
    TailgateSnapshot end = TailgateSnapshot.take(pid);
    log("end: %s", end);
    String loadEnd = TailgateSnapshot.loadAverage();
    if (!tailgate.isAlive()) {
      throw new IllegalStateException("tailgate exited during the soak: see " + dir);
    }
    return SoakReport.render(
        new SoakReport.Run(
            minutes,
            warmupFailed,
            loadStart,
            loadEnd,
            first,
            end,
            attempts,
            kills.stream().map(k -> new SoakReport.KillWindow(k.atNanos(), k.backNanos())).toList(),
            WINDOW_BEFORE_NANOS,
            WINDOW_AFTER_NANOS));
  }

  private static Process startTailgate(Path jar, FakeTailnet tailnet, int port, Path dir)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("java", "-jar", jar.toString(), "up"));
    command.addAll(tailnet.upFlags());
    command.addAll(
        List.of(
            "--listen",
            "127.0.0.1:" + port,
            "--allow",
            "tailnet:*",
            "--admin",
            "off",
            "--log-file",
            dir.resolve("connections.log").toString()));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("TAILGATE_TEST_KEY", FakeTailnet.KEY);
    builder.environment().put("TAILGATE_RUN_DIR", dir.resolve("run-state").toString());
    Path err = dir.resolve("tailgate.err");
    builder.redirectOutput(dir.resolve("tailgate.out").toFile());
    builder.redirectError(err.toFile());
    Process process = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("tailgate exited at start: see " + err);
      }
      if (Files.exists(err) && Files.readString(err).contains("tailgate: relay on")) {
        return process;
      }
      Thread.sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException("tailgate was not ready within 60 s: see " + err);
  }

  /** SIGKILL to the daemon, then waits until tailgate has a new one Running again. */
  private static Kill kill(FakeTailnet tailnet, Path dir) throws IOException, InterruptedException {
    Path pidFile = tailnet.stateDir.resolve("tailgate-tailscaled.pid");
    long old = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    long at = System.nanoTime();
    ProcessHandle.of(old).orElseThrow().destroyForcibly();
    long deadline = at + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      List<String> lines = Files.exists(pidFile) ? Files.readAllLines(pidFile) : List.of();
      if (!lines.isEmpty() && !lines.get(0).trim().equals(Long.toString(old))) {
        long fresh = Long.parseLong(lines.get(0).trim());
        return new Kill(at, old, fresh, System.nanoTime());
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("tailgate started no new daemon within 60 s: see " + dir);
  }

  private static void stopAll(Process tailgate, FakeTailnet tailnet) {
    tailgate.destroy();
    try {
      if (!tailgate.waitFor(5, TimeUnit.SECONDS)) {
        tailgate.destroyForcibly();
      }
    } catch (InterruptedException e) {
      tailgate.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    DaemonStopper.stop(tailnet.stateDir);
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  private static void log(String format, Object... args) {
    System.err.println(Instant.now() + " soak: " + String.format(Locale.ROOT, format, args));
  }
}
