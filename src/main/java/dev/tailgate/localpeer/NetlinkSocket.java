package dev.tailgate.localpeer;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.Closeable;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One NETLINK_SOCK_DIAG socket, through libc by JNA (Java 17 has no AF_NETLINK), asking the kernel
 * for one socket's owner at a time: a lookup is one sendto and one recv, microseconds, however many
 * sockets the machine has. Not thread-safe: one per lookup thread, kept open. This class is the
 * only one that loads JNA, and is first touched by that thread's first lookup, never on the
 * start-up path.
 */
final class NetlinkSocket implements Closeable {
  static final int RECEIVE_TIMEOUT_MS = 100;
  static final int BUFFER = 8192;

  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int EINTR = 4;
  private static final int EAGAIN = 11;
  private static final int MSG_DONTWAIT = 0x40;
  private static final Cleaner CLEANER = Cleaner.create();

  /**
   * The libc calls used, by their C names, bound by JNA's direct mapping: a call is a JNI call,
   * where a {@code Library} interface's proxy converted every argument by reflection (most of a
   * lookup's cost on the event loop, perf). Loaded by the first {@link #open}.
   */
  static final class LibC {
    static {
      Native.register(LibC.class, "c");
    }

    private LibC() {}

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int bind(int fd, byte[] address, int length) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, byte[] value, int length)
        throws LastErrorException;

    static native long sendto(
        int fd, byte[] buffer, long length, int flags, byte[] address, int addressLength)
        throws LastErrorException;

    static native long recv(int fd, Memory buffer, long length, int flags)
        throws LastErrorException;

    static native int close(int fd);
  }

  private final int fd;
  private final Cleaner.Cleanable cleanable;
  private final byte[] kernel = sockaddr();
  private final Memory buffer = new Memory(BUFFER);
  private int seq;

  private NetlinkSocket(int fd) {
    this.fd = fd;
    // An event loop's socket is never closed by hand: its descriptor goes with its thread.
    this.cleanable = CLEANER.register(this, () -> LibC.close(fd));
  }

  /**
   * Opens the socket, loading JNA and libc on the first call.
   *
   * @throws IOException when netlink sock_diag is not there (no JNA for this platform, a seccomp
   *     filter, another kernel); the message says why
   */
  static NetlinkSocket open() throws IOException {
    int fd;
    try {
      fd = LibC.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, SockDiag.NETLINK_SOCK_DIAG);
    } catch (LastErrorException e) {
      throw new IOException("socket(AF_NETLINK, NETLINK_SOCK_DIAG): errno " + e.getErrorCode(), e);
    } catch (LinkageError e) {
      throw new IOException("JNA cannot load libc: " + e, e);
    }
    NetlinkSocket s = new NetlinkSocket(fd);
    try {
      LibC.bind(fd, sockaddr(), 12);
      byte[] timeval =
          ByteBuffer.allocate(16)
              .order(ByteOrder.nativeOrder())
              .putLong(0)
              .putLong(RECEIVE_TIMEOUT_MS * 1000L)
              .array();
      LibC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, timeval.length);
    } catch (LastErrorException e) {
      s.close();
      throw new IOException("netlink bind/setsockopt: errno " + e.getErrorCode(), e);
    }
    return s;
  }

  /**
   * The kernel's answer for the TCP socket from {@code client} to {@code listener}.
   *
   * @param wait whether to wait for the reply, up to {@link #RECEIVE_TIMEOUT_MS}, or to take only a
   *     reply that is already there (the kernel answers within the sendto)
   * @throws IOException when it did not answer in time or the call failed
   */
  SockDiag.Answer ask(InetSocketAddress client, InetSocketAddress listener, boolean wait)
      throws IOException {
    int mine = ++seq;
    byte[] request = SockDiag.request(mine, client, listener).array();
    try {
      LibC.sendto(fd, request, request.length, 0, kernel, kernel.length);
      // Replies to an earlier request that timed out may still be queued: skip them, boundedly.
      for (int i = 0; i < 16; i++) {
        long n;
        try {
          n = LibC.recv(fd, buffer, BUFFER, wait ? 0 : MSG_DONTWAIT);
        } catch (LastErrorException e) {
          if (e.getErrorCode() == EINTR) {
            continue;
          }
          throw e;
        }
        SockDiag.Answer a = SockDiag.answer(buffer.getByteBuffer(0, n));
        if (a != null && a.seq() == mine) {
          return a;
        }
      }
      throw new IOException("no reply to request " + mine + " among 16 messages");
    } catch (LastErrorException e) {
      throw new IOException(
          e.getErrorCode() == EAGAIN
              ? wait ? "no reply within " + RECEIVE_TIMEOUT_MS + " ms" : "no reply at once"
              : "netlink sendto/recv: errno " + e.getErrorCode(),
          e);
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed sock_diag reply: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    cleanable.clean();
  }

  /** {@code sockaddr_nl} of the kernel (pid 0, no groups), also what this socket binds to. */
  private static byte[] sockaddr() {
    return ByteBuffer.allocate(12)
        .order(ByteOrder.nativeOrder())
        .putShort((short) AF_NETLINK)
        .array();
  }
}
