package dev.tailgate.localpeer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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

  private final Path proc;
  private Map<Long, Long> pidByInode = Map.of();

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
