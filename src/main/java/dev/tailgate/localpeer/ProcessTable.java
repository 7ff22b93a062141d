package dev.tailgate.localpeer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which process holds a socket: a walk over every /proc/PID/fd for {@code socket:[inode]} links.
 * The walk is the costly part of an identity, so every socket it passes is remembered (the map is
 * replaced by the next walk), and a walk stops once it found what it was asked for, or at its
 * bounds of links read and time spent.
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

  private final Path proc;
  private Map<Long, Long> pidByInode = Map.of();

  /** A process's command name and parent as /proc/PID/stat said at {@code read}. */
  record Stat(String command, long parent, long read) {}

  private final Map<Long, Stat> stats =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Stat> eldest) {
          return size() > MAX_STATS;
        }
      };

  ProcessTable(Path proc) {
    this.proc = proc;
  }

  /** The pid remembered for {@code inode} from the last walk, or {@code -1}. */
  long remembered(long inode) {
    return pidByInode.getOrDefault(inode, -1L);
  }

  /** Walks /proc until every inode of {@code wanted} is found or a bound is reached. */
  void walk(Set<Long> wanted) {
    Map<Long, Long> seen = new HashMap<>();
    int links = 0;
    int left = wanted.size();
    long deadline = System.nanoTime() + MAX_WALK_NANOS;
    try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, ProcessTable::isPid)) {
      for (Path pid : pids) {
        if (left == 0 || links >= MAX_LINKS || System.nanoTime() > deadline) {
          break;
        }
        long id = Long.parseLong(pid.getFileName().toString());
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(pid.resolve("fd"))) {
          for (Path fd : fds) {
            links++;
            long inode = socketInode(fd);
            if (inode > 0 && seen.size() < MAX_REMEMBERED) {
              if (seen.putIfAbsent(inode, id) == null && wanted.contains(inode)) {
                left--;
              }
            }
          }
        } catch (IOException | DirectoryIteratorException | SecurityException e) {
          // Gone since the listing, or another user's process: not this one.
        }
      }
    } catch (IOException | DirectoryIteratorException | SecurityException e) {
      // No /proc: nothing found, which the caller reports.
    }
    pidByInode = seen;
  }

  /** {@code /proc/PID/comm}, or {@code null} when it cannot be read. */
  String command(long pid) {
    try {
      byte[] raw = Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("comm"));
      return new String(raw, StandardCharsets.UTF_8).strip();
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
