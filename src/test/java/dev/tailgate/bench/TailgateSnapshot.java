package dev.tailgate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What tailgate's process holds at one moment: open descriptors (/proc/PID/fd), resident memory
 * (VmRSS), and the Java heap in use right after a full GC ({@code jcmd PID GC.run}, then {@code
 * jcmd PID GC.heap_info}).
 */
record TailgateSnapshot(int openFiles, long rssKib, long heapUsedKib, long heapCommittedKib) {
  private static final Pattern HEAP = Pattern.compile("heap\\s+total (\\d+)K, used (\\d+)K");

  static TailgateSnapshot take(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = HEAP.matcher(info);
    if (!m.find()) {
      throw new IOException("no heap total/used in jcmd GC.heap_info:\n" + info);
    }
    return new TailgateSnapshot(
        ProcMemory.openFiles(pid),
        ProcMemory.alone(pid).rssKib(),
        Long.parseLong(m.group(2)),
        Long.parseLong(m.group(1)));
  }

  /** The 1, 5 and 15 minute load averages. */
  static String loadAverage() throws IOException {
    String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
    return String.join(" ", fields[0], fields[1], fields[2]);
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path output = Files.createTempFile("tailgate-soak-jcmd", ".txt");
    try {
      Process p =
          new ProcessBuilder(List.of("jcmd", Long.toString(pid), command))
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("jcmd " + pid + " " + command + " did not finish in 60 s");
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IOException("jcmd " + pid + " " + command + " failed:\n" + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(output);
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%d open files, RSS %.1f MiB, heap after GC %.1f MiB used of %.1f MiB committed",
        openFiles,
        ProcMemory.mib(rssKib),
        ProcMemory.mib(heapUsedKib),
        ProcMemory.mib(heapCommittedKib));
  }
}
