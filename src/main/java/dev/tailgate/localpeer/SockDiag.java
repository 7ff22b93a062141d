package dev.tailgate.localpeer;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The two netlink sock_diag messages of one owner lookup (linux/inet_diag.h), as bytes: a request
 * for the one TCP socket whose local end is the client's address and whose remote end is the
 * listener's (no {@code NLM_F_DUMP}, so the kernel looks it up in its hash instead of listing every
 * socket), and the reply, either that socket's {@code inet_diag_msg} (uid, inode) or an error.
 * Header fields are in host byte order, ports and addresses in network order, as the kernel has
 * them.
 */
final class SockDiag {
  static final int NETLINK_SOCK_DIAG = 4;
  static final int SOCK_DIAG_BY_FAMILY = 20;
  static final int NLMSG_ERROR = 2;
  static final int NLM_F_REQUEST = 1;
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int IPPROTO_TCP = 6;
  static final int ENOENT = 2;

  /** {@code nlmsghdr} (16 bytes) and {@code inet_diag_req_v2} (56). */
  static final int REQUEST_LENGTH = 16 + 56;

  private static final int HEADER = 16;
  private static final int SOCKID = 48;

  /** Offsets in {@code inet_diag_msg}: family..retrans (4), the sockid, expires, rqueue, wqueue. */
  private static final int UID = 4 + SOCKID + 12;

  private static final int INODE = UID + 4;
  private static final int MIN_REPLY = HEADER + INODE + 4;

  /**
   * What the kernel said to request {@code seq}.
   *
   * @param entry the socket's owner and inode, or {@code null} when not found
   * @param errno the kernel's error ({@code ENOENT}: no such socket), or 0 with an entry
   */
  record Answer(int seq, SocketTable.Entry entry, int errno) {}

  private SockDiag() {}

  /** The request for the socket from {@code client} to {@code listener}. */
  static ByteBuffer request(int seq, InetSocketAddress client, InetSocketAddress listener) {
    ByteBuffer b = ByteBuffer.allocate(REQUEST_LENGTH).order(ByteOrder.nativeOrder());
    b.putInt(REQUEST_LENGTH)
        .putShort((short) SOCK_DIAG_BY_FAMILY)
        .putShort((short) NLM_F_REQUEST)
        .putInt(seq)
        .putInt(0); // to the kernel
    b.put((byte) (client.getAddress() instanceof Inet4Address ? AF_INET : AF_INET6))
        .put((byte) IPPROTO_TCP)
        .put((byte) 0) // no extensions
        .put((byte) 0)
        .putInt(-1); // every state, TIME_WAIT too
    b.order(ByteOrder.BIG_ENDIAN)
        .putShort((short) client.getPort())
        .putShort((short) listener.getPort());
    address(b, client);
    address(b, listener);
    b.order(ByteOrder.nativeOrder()).putInt(0).putInt(-1).putInt(-1); // any interface, no cookie
    return b.flip();
  }

  private static void address(ByteBuffer b, InetSocketAddress a) {
    byte[] raw = a.getAddress().getAddress();
    b.put(raw).put(new byte[16 - raw.length]);
  }

  /**
   * The first answer in {@code in} (one recv's worth of netlink messages), or {@code null} when it
   * holds none; messages of other types are skipped.
   *
   * @throws IllegalArgumentException when a message's length does not fit
   */
  static Answer answer(ByteBuffer in) {
    ByteBuffer b = in.duplicate().order(ByteOrder.nativeOrder());
    while (b.remaining() >= HEADER) {
      int at = b.position();
      int length = b.getInt(at);
      int type = Short.toUnsignedInt(b.getShort(at + 4));
      int seq = b.getInt(at + 8);
      if (length < HEADER || length > b.remaining()) {
        throw new IllegalArgumentException("netlink message of " + length + " bytes");
      }
      if (type == SOCK_DIAG_BY_FAMILY && length >= MIN_REPLY) {
        int body = at + HEADER;
        return new Answer(
            seq,
            new SocketTable.Entry(
                b.getInt(body + UID), Integer.toUnsignedLong(b.getInt(body + INODE))),
            0);
      }
      if (type == NLMSG_ERROR && length >= HEADER + 4) {
        int error = -b.getInt(at + HEADER);
        return new Answer(seq, null, error == 0 ? ENOENT : error);
      }
      b.position(at + ((length + 3) & ~3));
    }
    return null;
  }
}
