package dev.tailgate.localpeer;

/**
 * Whether an accepted socket's client hung up before sending a byte: one {@code recv} with {@code
 * MSG_PEEK}, which reads nothing and costs a microsecond, where finding that out through the event
 * loop costs an epoll registration, a read and a deregistration. A client that connects and closes
 * at once (a port probe, a health check, a wait-for-port loop) is most of a connection flood, and
 * the kernel has queued its whole life before the relay accepts it.
 *
 * <p>Uses the JNA that {@link LocalPeers} loads, and only once that has been loaded off the
 * caller's thread ({@link LocalPeers#prepare}): until then, and where it cannot load, it answers
 * "cannot tell" and the caller goes the usual way.
 */
public final class EarlyHangup {
  private static final int MSG_PEEK = 0x2;
  private static final int MSG_DONTWAIT = 0x40;

  private static volatile boolean ready;

  private EarlyHangup() {}

  /** libc's recv, by JNA's direct mapping; -1 on any error (errno is not read). */
  private static final class LibC {
    static {
      com.sun.jna.Native.register(LibC.class, "c");
    }

    private LibC() {}

    static native long recv(int fd, byte[] buffer, long length, int flags);
  }

  /** Loads JNA's binding, on the thread that prepares the lookups (never an event loop). */
  static void load() {
    try {
      LibC.recv(-1, new byte[1], 1, MSG_PEEK | MSG_DONTWAIT);
      ready = true;
    } catch (LinkageError e) {
      // no JNA for this platform: callers take the usual way
    }
  }

  /**
   * Whether the TCP socket {@code fd} is at its end of input with nothing to read before it: its
   * client closed or shut its side without sending anything. False when it is open, has data (a
   * request followed by a half-close is data), was reset, or this cannot tell.
   */
  public static boolean endedEmpty(int fd) {
    return ready && LibC.recv(fd, new byte[1], 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }
}
