package dev.tailgate.localpeer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which process holds a socket: a walk over /proc/PID/fd for {@code socket:[inode]} links. The walk
 * is the costly part of an identity, so it reads as few processes as it can: only those owned by a
 * uid the kernel gave for a wanted socket (a uid-1000 client's socket is never in root's
 * processes), the processes that held a client lately first, then the newest (highest pid below the
 * last one the kernel gave out, then the highest above it, as pids wrap), and this process, which
 * holds every connection the relay has, last of all; it stops once everything wanted is found, or
 * at its bounds of links read and time spent. Every socket it passes is remembered until the next
 * walk.
 *
 * <p>A process whose /proc entry belongs to root although it runs as another uid (one that made
 * itself not dumpable, as setuid programs do) is not found for that uid.
 */
final class ProcessTable {
  static final int MAX_LINKS = 200_000;
  static final int MAX_REMEMBERED = 100_000;
  static final long MAX_WALK_NANOS = 1_000_000_000L;

  /**
   * How long a process's name and parent are trusted: long enough that a burst of connections from
   * one tool reads its chain once, short enough that a reused pid is not named for long.
   */
  static final long STAT_TTL_NANOS = 2_000_000_000L;

  static final int MAX_STATS = 10_000;

  /** How many of the latest holders of a client socket a walk visits first. */
  static final int RECENT_HOLDERS = 32;

  private final Path proc;
  private final long self;
  private Map<Long, Long> pidByInode = Map.of();
  private volatile int walks;
  private int visited;

  /** A process's command name and parent as /proc/PID/stat said at {@code read}. */
  record Stat(String command, long parent, long read) {}

  private final Map<Long, Stat> stats =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Stat> eldest) {
          return size() > MAX_STATS;
        }
      };

  /** The latest holders of a wanted socket, in the order they were last found holding one. */
  private final Set<Long> recent =
      Collections.newSetFromMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
              return size() > RECENT_HOLDERS;
            }
          });

  /**
   * @param self this process's pid, whose many sockets are the relay's own and are read last
   */
  ProcessTable(Path proc, long self) {
    this.proc = proc;
    this.self = self;
  }

  /** The pid remembered for {@code inode} from the last walk, or {@code -1}. */
  long remembered(long inode) {
    return pidByInode.getOrDefault(inode, -1L);
  }

  /** How many walks there were. */
  int walks() {
    return walks;
  }

  /** How many processes' descriptors the last walk read. */
  int visited() {
    return visited;
  }

  /**
   * Walks the processes of {@code uids} until every inode of {@code wanted} is found or a bound is
   * reached.
   */
  void walk(Set<Long> wanted, Set<Integer> uids) {
    walks = walks + 1; // only the process thread walks
    visited = 0;
    Map<Long, Long> seen = new HashMap<>();
    Walk w = new Walk(wanted, seen, System.nanoTime() + MAX_WALK_NANOS);
    Set<Long> done = new HashSet<>();
    Long[] latest = recent.toArray(Long[]::new);
    for (int i = latest.length - 1; i >= 0; i--) {
      long pid = latest[i];
      if (w.finished()) {
        break;
      }
      done.add(pid);
      visit(pid, uids, w);
    }
    long[] pids = newestFirst(listPids(), lastPid());
    for (long pid : pids) {
      if (w.finished()) {
        break;
      }
      if (pid != self && !done.contains(pid)) {
        visit(pid, uids, w);
      }
    }
    if (!w.finished()) {
      visit(self, uids, w);
    }
    pidByInode = seen;
  }

  /** One walk's progress. */
  private static final class Walk {
    final Set<Long> wanted;
    final Map<Long, Long> seen;
    final long deadline;
    int links;
    int left;

    Walk(Set<Long> wanted, Map<Long, Long> seen, long deadline) {
      this.wanted = wanted;
      this.seen = seen;
      this.deadline = deadline;
      this.left = wanted.size();
    }

    boolean finished() {
      return left == 0 || links >= MAX_LINKS || System.nanoTime() > deadline;
    }
  }

  /** Reads {@code pid}'s descriptors if a uid of {@code uids} owns it. */
  private void visit(long pid, Set<Integer> uids, Walk w) {
    Path dir = proc.resolve(Long.toString(pid));
    try {
      if (!uids.contains(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
        return;
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return; // gone since the listing
    }
    visited++;
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
      for (Path fd : fds) {
        w.links++;
        long inode = socketInode(fd);
        if (inode > 0 && w.seen.size() < MAX_REMEMBERED && w.seen.putIfAbsent(inode, pid) == null) {
          if (w.wanted.contains(inode)) {
            w.left--;
            if (pid != self) {
              recent.add(pid);
            }
          }
        }
        if (w.left == 0) {
          return;
        }
      }
    } catch (IOException | DirectoryIteratorException | SecurityException e) {
      // Gone since the listing, or not ours to read: not this one.
    }
  }

  /** The numeric entries of /proc, in ascending order. */
  private long[] listPids() {
    long[] pids = new long[256];
    int n = 0;
    try (DirectoryStream<Path> all = Files.newDirectoryStream(proc, ProcessTable::isPid)) {
      for (Path p : all) {
        if (n == pids.length) {
          pids = Arrays.copyOf(pids, n * 2);
        }
        pids[n++] = Long.parseLong(p.getFileName().toString());
      }
    } catch (IOException | DirectoryIteratorException | SecurityException e) {
      // No /proc: nothing found, which the caller reports.
    }
    long[] sorted = Arrays.copyOf(pids, n);
    Arrays.sort(sorted);
    return sorted;
  }

  /** The last pid the kernel gave out, or {@code Long.MAX_VALUE} when it does not say. */
  private long lastPid() {
    try {
      return Long.parseLong(Files.readString(proc.resolve("sys/kernel/ns_last_pid")).strip());
    } catch (IOException | NumberFormatException | SecurityException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * {@code ascending} ordered newest first: from {@code last} down, then from the highest down to
   * just above {@code last} (those were given out before the pids wrapped).
   */
  static long[] newestFirst(long[] ascending, long last) {
    int split = Arrays.binarySearch(ascending, last);
    int below = split >= 0 ? split + 1 : -split - 1; // how many are <= last
    long[] out = new long[ascending.length];
    int i = 0;
    for (int k = below - 1; k >= 0; k--) {
      out[i++] = ascending[k];
    }
    for (int k = ascending.length - 1; k >= below; k--) {
      out[i++] = ascending[k];
    }
    return out;
  }

  /**
   * How much of /proc/PID/comm is read: the kernel keeps at most 15 bytes of a name
   * (TASK_COMM_LEN), so this leaves room for a kernel that keeps more and still bounds a file that
   * is not the kernel's.
   */
  static final int MAX_COMMAND_BYTES = 64;

  /** {@code /proc/PID/comm}, or {@code null} when it cannot be read. */
  String command(long pid) {
    return command(proc, pid);
  }

  /**
   * The first line of {@code proc}/PID/comm, of at most {@link #MAX_COMMAND_BYTES}, or {@code null}
   * when it cannot be read.
   */
  static String command(Path proc, long pid) {
    try (InputStream in = Files.newInputStream(proc.resolve(Long.toString(pid)).resolve("comm"))) {
      String raw = new String(in.readNBytes(MAX_COMMAND_BYTES), StandardCharsets.UTF_8);
      int end = raw.indexOf('\n');
      return (end < 0 ? raw : raw.substring(0, end)).strip();
    } catch (IOException | SecurityException e) {
      return null;
    }
  }

  /**
   * {@code pid} and up to {@link LocalPeer#TREE_DEPTH} parents, nearest first, as {@code comm(pid)}
   * joined by {@code <}, e.g. {@code java(900)<ssh(812)<bash(12)}; {@code null} when {@code pid}'s
   * own stat cannot be read.
   */
  String tree(long pid) {
    StringBuilder out = new StringBuilder();
    long at = pid;
    for (int depth = 0; depth <= LocalPeer.TREE_DEPTH && at > 0; depth++) {
      Stat s = stat(at);
      if (s == null) {
        break;
      }
      out.append(depth == 0 ? "" : "<").append(s.command()).append('(').append(at).append(')');
      at = s.parent();
    }
    return out.length() == 0 ? null : out.toString();
  }

  private Stat stat(long pid) {
    long now = System.nanoTime();
    Stat s = stats.get(pid);
    if (s != null && now - s.read() < STAT_TTL_NANOS) {
      return s;
    }
    try {
      s = parseStat(Files.readString(proc.resolve(Long.toString(pid)).resolve("stat")), now);
    } catch (IOException | SecurityException | IllegalArgumentException e) {
      s = null;
    }
    if (s == null) {
      stats.remove(pid);
    } else {
      stats.put(pid, s);
    }
    return s;
  }

  /**
   * The command and parent of a /proc/PID/stat line, {@code pid (comm) state ppid ...}, where comm
   * may hold spaces and parentheses (so the last {@code )} ends it); {@code null} when malformed.
   */
  static Stat parseStat(String line, long read) {
    int open = line.indexOf('(');
    int close = line.lastIndexOf(')');
    if (open < 0 || close < open || close + 2 >= line.length()) {
      return null;
    }
    String[] rest = line.substring(close + 2).split(" ", 3);
    if (rest.length < 2) {
      return null;
    }
    try {
      return new Stat(line.substring(open + 1, close), Long.parseLong(rest[1]), read);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static long socketInode(Path fd) {
    String target;
    try {
      target = Files.readSymbolicLink(fd).toString();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return -1;
    }
    if (!target.startsWith("socket:[") || !target.endsWith("]")) {
      return -1;
    }
    try {
      return Long.parseLong(target, 8, target.length() - 1, 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isPid(Path p) {
    String name = p.getFileName().toString();
    return !name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9');
  }
}
