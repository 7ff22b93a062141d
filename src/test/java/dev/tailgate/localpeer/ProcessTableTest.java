package dev.tailgate.localpeer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tailgate.testing.OtherUid;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order and reach of a walk, on a /proc made of directories and links: which processes it
 * reads, and which holder of a socket it meets first.
 */
class ProcessTableTest {
  private static final long SELF = 300;

  @TempDir Path proc;

  @Test
  void ordersPidsNewestFirstAcrossTheWrap() {
    long[] pids = {1, 100, 200, 300};
    assertThat(ProcessTable.newestFirst(pids, 150)).containsExactly(100, 1, 300, 200);
    assertThat(ProcessTable.newestFirst(pids, 300)).containsExactly(300, 200, 100, 1);
    assertThat(ProcessTable.newestFirst(pids, Long.MAX_VALUE)).containsExactly(300, 200, 100, 1);
    assertThat(ProcessTable.newestFirst(pids, 0)).containsExactly(300, 200, 100, 1);
  }

  @Test
  void meetsTheNewestHolderFirstAndStopsThere() throws Exception {
    process(100, 0, 7);
    process(200, 0, 1);
    process(250, 0, 7);
    lastPid(260);
    ProcessTable table = new ProcessTable(proc, SELF);
    table.walk(Set.of(7L), Set.of(0));
    assertThat(table.remembered(7)).isEqualTo(250);
    assertThat(table.visited()).isEqualTo(1);

    lastPid(150); // 200 and 250 were given out before the pids wrapped
    table = new ProcessTable(proc, SELF);
    table.walk(Set.of(7L), Set.of(0));
    assertThat(table.remembered(7)).isEqualTo(100);
  }

  @Test
  void readsOnlyTheProcessesOfTheSocketsUid() throws Exception {
    assumeTrue(OtherUid.possible(), "needs root");
    process(100, 0, 7);
    process(200, OtherUid.NOBODY, 8);
    process(250, 0, 9);
    lastPid(260);
    ProcessTable table = new ProcessTable(proc, SELF);
    table.walk(Set.of(7L, 8L), Set.of(OtherUid.NOBODY));
    assertThat(table.remembered(8)).isEqualTo(200);
    assertThat(table.remembered(7)).as("a uid-0 process holding it").isEqualTo(-1);
    assertThat(table.visited()).isEqualTo(1);
  }

  @Test
  void readsItsOwnProcessOnlyWhenNoOtherHoldsTheSocket() throws Exception {
    process(SELF, 0, 7, 9);
    process(350, 0, 7); // older than this process: given out before the pids wrapped
    lastPid(SELF);
    ProcessTable table = new ProcessTable(proc, SELF);
    table.walk(Set.of(7L), Set.of(0));
    assertThat(table.remembered(7)).isEqualTo(350);
    assertThat(table.visited()).isEqualTo(1);
    table.walk(Set.of(9L), Set.of(0));
    assertThat(table.remembered(9)).isEqualTo(SELF);
  }

  @Test
  void startsWithTheLatestHolderOfAClient() throws Exception {
    process(100, 0, 7, 8);
    process(200, 0, 1);
    process(250, 0, 2);
    lastPid(260);
    ProcessTable table = new ProcessTable(proc, SELF);
    table.walk(Set.of(7L), Set.of(0));
    assertThat(table.visited()).isEqualTo(3);
    table.walk(Set.of(8L), Set.of(0));
    assertThat(table.remembered(8)).isEqualTo(100);
    assertThat(table.visited()).isEqualTo(1);
  }

  @Test
  void readsTheFirstLineOfABoundedPartOfComm() throws Exception {
    Path dir = Files.createDirectories(proc.resolve("100"));
    ProcessTable table = new ProcessTable(proc, SELF);
    Files.writeString(dir.resolve("comm"), "ssh\n");
    assertThat(table.command(100)).isEqualTo("ssh");
    Files.writeString(dir.resolve("comm"), "ssh\nmore lines\n");
    assertThat(table.command(100)).isEqualTo("ssh");
    Files.writeString(dir.resolve("comm"), "x".repeat(1_000_000));
    assertThat(table.command(100)).hasSize(ProcessTable.MAX_COMMAND_BYTES);
    assertThat(table.command(101)).as("no such process").isNull();
  }

  /** /proc/PID, owned by {@code uid}, with fd/N linked to each of {@code sockets}. */
  private void process(long pid, int uid, long... sockets) throws Exception {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)).resolve("fd"));
    Files.createSymbolicLink(dir.resolve("0"), Path.of("/dev/null"));
    for (int i = 0; i < sockets.length; i++) {
      Files.createSymbolicLink(
          dir.resolve(Integer.toString(i + 3)), Path.of("socket:[" + sockets[i] + "]"));
    }
    Path top = dir.getParent();
    if ((Integer) Files.getAttribute(top, "unix:uid", LinkOption.NOFOLLOW_LINKS) != uid) {
      Files.setAttribute(top, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    }
  }

  private void lastPid(long pid) throws Exception {
    Path file = Files.createDirectories(proc.resolve("sys/kernel")).resolve("ns_last_pid");
    Files.writeString(file, pid + "\n");
  }
}
