package dev.tailgate.localpeer;

/**
 * The local process behind a loopback client, as far as it was found.
 *
 * @param uid the socket owner's uid, or {@code -1} when not found
 * @param pid a process holding the socket, or {@code -1} when not found (or not looked for)
 * @param command that process's command name ({@code /proc/PID/comm}), or {@code null}
 * @param tree that process and its parents, nearest first, as {@code comm(pid)} joined by {@code <}
 *     (at most {@link #TREE_DEPTH} parents), or {@code null}
 * @param unknown why something is missing, or {@code null} when all were found
 */
public record LocalPeer(int uid, long pid, String command, String tree, String unknown) {
  /** How many parents {@link #tree} names at most. */
  public static final int TREE_DEPTH = 4;

  static LocalPeer unknown(String why) {
    return new LocalPeer(-1, -1, null, null, why);
  }

  private static final String CLOSED = "the client's process had closed the socket";

  /**
   * The kernel lists the client's socket without an inode: its process closed it (it is orphaned or
   * in TIME_WAIT), and it reports uid 0 then, which must not pass for root.
   */
  static LocalPeer closed() {
    return unknown(CLOSED);
  }

  /**
   * A client that hung up before its connection was accepted ({@link EarlyHangup}): not looked up,
   * since it holds nothing to count against it.
   */
  public static LocalPeer hungUpBeforeAccept() {
    return unknown("the client hung up before its connection was accepted: not looked up");
  }

  /** Whether the client's process had closed its socket when it was looked up. */
  public boolean closedByClient() {
    return CLOSED.equals(unknown);
  }

  private static final String PROCESS_NOT_LOOKED_UP =
      "the connection ended before its process was looked up";

  /**
   * The owner found, its process not looked for yet: the process stage only looks for clients still
   * connected after {@link LocalPeers#PROCESS_DELAY}, so this is what the log line of a shorter
   * connection says.
   */
  static LocalPeer owner(int uid) {
    return new LocalPeer(uid, -1, null, null, PROCESS_NOT_LOOKED_UP);
  }

  /** What the process stage of a connection that ended says, {@code owner} as far as known. */
  static LocalPeer ended(LocalPeer owner) {
    return owner.withoutProcess(PROCESS_NOT_LOOKED_UP);
  }

  /** What a connection that closes before its lookup ends says of its client. */
  public static LocalPeer pending() {
    return unknown("the connection ended before the lookup");
  }

  /** Nothing known yet when the caller stopped waiting, after {@code ms}. */
  public static LocalPeer unknownAfter(long ms) {
    return unknown("not found within " + ms + " ms");
  }

  /** Whether the owner's uid was found. */
  public boolean hasUid() {
    return uid >= 0;
  }

  /** Whether a process holding the socket was found. */
  public boolean hasPid() {
    return pid >= 0;
  }

  LocalPeer withProcess(long pid, String command, String tree) {
    return new LocalPeer(
        uid, pid, command, tree, command == null ? "command name not readable" : null);
  }

  LocalPeer withoutProcess(String why) {
    return new LocalPeer(uid, -1, null, null, why);
  }
}
