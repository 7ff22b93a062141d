package dev.tailgate.bench;

import static dev.tailgate.bench.Report.line;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The soak's results as markdown: connections by kind and fate, and tailgate at start and end. */
final class SoakReport {
  /** A kill of the daemon: when, and when tailgate had started its successor. */
  record KillWindow(long killNanos, long restartedNanos) {}

  /** Everything one soak measured. */
  record Run(
      int minutes,
      long warmupFailed,
      String loadStart,
      String loadEnd,
      TailgateSnapshot start,
      TailgateSnapshot end,
      List<SoakTraffic.Attempt> attempts,
      List<KillWindow> kills,
      long windowBeforeNanos,
      long windowAfterNanos) {}

  /** How a connection ended, as the report counts it. */
  private enum Fate {
    OK,
    LOST,
    CUT_BY_KILL,
    NEW_IN_KILL_WINDOW
  }

  private SoakReport() {}

  static String render(Run run) {
    Map<SoakTraffic.Kind, Map<Fate, Integer>> counts = new EnumMap<>(SoakTraffic.Kind.class);
    Map<Fate, String> lastError = new EnumMap<>(Fate.class);
    for (SoakTraffic.Kind k : SoakTraffic.Kind.values()) {
      Map<Fate, Integer> byFate = new EnumMap<>(Fate.class);
      for (Fate f : Fate.values()) {
        byFate.put(f, 0);
      }
      counts.put(k, byFate);
    }
    for (SoakTraffic.Attempt a : run.attempts()) {
      Fate fate = fate(run, a);
      counts.get(a.kind()).merge(fate, 1, Integer::sum);
      if (a.error() != null) {
        lastError.put(fate, a.error());
      }
    }
    StringBuilder out = new StringBuilder();
    line(
        out,
        "Soak: %d min through tailgate (bootstrap mode) to the tailscaled test double, to a peer by"
            + " its MagicDNS name: a short connection (connect, 32-byte echo, close) every %d ms,"
            + " a %d MiB echoed bulk stream every %d ms, %d idle connections held to the end (one"
            + " that is cut is opened again). The daemon double got SIGKILL at 1/3 and 2/3.",
        run.minutes(),
        SoakTraffic.SHORT_EVERY_MS,
        SoakTraffic.BULK_BYTES >> 20,
        SoakTraffic.BULK_EVERY_MS,
        SoakTraffic.IDLE_CONNECTIONS);
    line(out, "");
    line(
        out,
        "A failure counts as in a kill window when it ended from %d s before a kill to %d s after;"
            + " there it is \"cut\" if the connection started before the kill (it ran through the"
            + " daemon that died, which no relay can save) and \"new\" if it started after (tailgate"
            + " should have held it until the new daemon was up). Any other failure is lost.",
        run.windowBeforeNanos() / 1_000_000_000,
        run.windowAfterNanos() / 1_000_000_000);
    line(out, "");
    for (int i = 0; i < run.kills().size(); i++) {
      KillWindow k = run.kills().get(i);
      line(
          out,
          "- kill %d: tailgate had started a new daemon %d ms after the SIGKILL",
          i + 1,
          (k.restartedNanos() - k.killNanos()) / 1_000_000);
    }
    line(out, "");
    line(out, "| connections | ok | lost | cut by a kill | new, failed in a kill window |");
    line(out, "| --- | ---: | ---: | ---: | ---: |");
    int lost = 0;
    int fresh = 0;
    for (SoakTraffic.Kind k : SoakTraffic.Kind.values()) {
      Map<Fate, Integer> c = counts.get(k);
      lost += c.get(Fate.LOST);
      fresh += c.get(Fate.NEW_IN_KILL_WINDOW);
      line(
          out,
          "| %s | %d | %d | %d | %d |",
          k.name().toLowerCase(java.util.Locale.ROOT),
          c.get(Fate.OK),
          c.get(Fate.LOST),
          c.get(Fate.CUT_BY_KILL),
          c.get(Fate.NEW_IN_KILL_WINDOW));
    }
    line(out, "");
    for (Fate f : List.of(Fate.LOST, Fate.CUT_BY_KILL, Fate.NEW_IN_KILL_WINDOW)) {
      if (lastError.containsKey(f)) {
        line(out, "- last %s: %s", f.name().toLowerCase(java.util.Locale.ROOT), lastError.get(f));
      }
    }
    line(out, "- failed during the warm-up (before the start snapshot): %d", run.warmupFailed());
    line(
        out,
        "- load average (1, 5, 15 min): %s at the start, %s at the end",
        run.loadStart(),
        run.loadEnd());
    line(out, "");
    TailgateSnapshot s = run.start();
    TailgateSnapshot e = run.end();
    line(out, "tailgate, with no client connection open, after a %s:", "full GC (jcmd GC.run)");
    line(out, "");
    line(out, "| | start (after warm-up) | end (all closed, settled) |");
    line(out, "| --- | ---: | ---: |");
    line(out, "| open file descriptors | %d | %d |", s.openFiles(), e.openFiles());
    line(out, "| RSS MiB | %.1f | %.1f |", ProcMemory.mib(s.rssKib()), ProcMemory.mib(e.rssKib()));
    line(
        out,
        "| heap used after GC MiB | %.1f | %.1f |",
        ProcMemory.mib(s.heapUsedKib()),
        ProcMemory.mib(e.heapUsedKib()));
    line(
        out,
        "| heap committed MiB | %.1f | %.1f |",
        ProcMemory.mib(s.heapCommittedKib()),
        ProcMemory.mib(e.heapCommittedKib()));
    line(out, "");
    double allowed =
        Math.max(
            ProcMemory.mib(s.heapUsedKib()) * (1 + SoakBench.HEAP_TOLERANCE),
            ProcMemory.mib(s.heapUsedKib()) + SoakBench.HEAP_TOLERANCE_MIB);
    line(out, "| check | value | target | result |");
    line(out, "| --- | ---: | --- | --- |");
    line(out, "| lost connections | %d | 0 | %s |", lost, lost == 0 ? "PASS" : "MISS");
    line(
        out,
        "| new connections failed in a kill window | %d | 0 (ideally) | %s |",
        fresh,
        fresh == 0 ? "PASS" : "MISS");
    line(
        out,
        "| open descriptors, end vs start | %d vs %d | equal | %s |",
        e.openFiles(),
        s.openFiles(),
        e.openFiles() == s.openFiles() ? "PASS" : "MISS");
    line(
        out,
        "| heap after GC at the end, MiB | %.1f | <= %.1f (start + %.0f %%, at least + %.0f MiB) | %s |",
        ProcMemory.mib(e.heapUsedKib()),
        allowed,
        SoakBench.HEAP_TOLERANCE * 100,
        SoakBench.HEAP_TOLERANCE_MIB,
        ProcMemory.mib(e.heapUsedKib()) <= allowed ? "PASS" : "MISS");
    return out.toString();
  }

  private static Fate fate(Run run, SoakTraffic.Attempt a) {
    if (a.ok()) {
      return Fate.OK;
    }
    for (KillWindow k : run.kills()) {
      long from = k.killNanos() - run.windowBeforeNanos();
      long to = k.killNanos() + run.windowAfterNanos();
      if (a.endNanos() - from >= 0 && to - a.endNanos() >= 0) {
        return a.startNanos() - k.killNanos() < 0 ? Fate.CUT_BY_KILL : Fate.NEW_IN_KILL_WINDOW;
      }
    }
    return Fate.LOST;
  }
}
