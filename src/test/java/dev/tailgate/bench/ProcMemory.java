package dev.tailgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process's memory as Linux reports it, summed over the process and all its descendants (Dante
 * forks): VmRSS and VmHWM from /proc/PID/status, Pss from /proc/PID/smaps_rollup. A sum of RSS
 * counts pages the processes share once per process; the sum of Pss splits each shared page among
 * its sharers, so it is the fairer total for a forking server.
 *
 * @param rssKib resident now
 * @param hwmKib each process's peak resident, summed
 * @param pssKib proportional set size
 * @param processes how many processes were summed
 */
record ProcMemory(long rssKib, long hwmKib, long pssKib, int processes) {

  /** Reads {@code pid} and its descendants; a process that ends meanwhile is left out. */
  static ProcMemory of(long pid) throws IOException {
    List<Long> pids = new ArrayList<>();
    pids.add(pid);
    ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
    return sum(pids);
  }

  /** Reads {@code pid} alone, without its descendants. */
  static ProcMemory alone(long pid) throws IOException {
    return sum(List.of(pid));
  }

  private static ProcMemory sum(List<Long> pids) throws IOException {
    long rss = 0;
    long hwm = 0;
    long pss = 0;
    int counted = 0;
    for (long p : pids) {
      try {
        List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(p), "status"));
        List<String> rollup =
            Files.readAllLines(Path.of("/proc", Long.toString(p), "smaps_rollup"));
        rss += kib(status, "VmRSS:");
        hwm += kib(status, "VmHWM:");
        pss += kib(rollup, "Pss:");
        counted++;
      } catch (NoSuchFileException e) {
        // The process ended between the listing and the read.
      }
    }
    if (counted == 0) {
      throw new IOException("process " + pids.get(0) + " is gone");
    }
    return new ProcMemory(rss, hwm, pss, counted);
  }

  /** Open file descriptors of {@code pid} alone: the entries of /proc/PID/fd. */
  static int openFiles(long pid) throws IOException {
    try (var entries = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return (int) entries.count();
    }
  }

  private static long kib(List<String> lines, String field) {
    for (String line : lines) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
      }
    }
    return 0;
  }

  static double mib(long kib) {
    return kib / 1024.0;
  }
}
