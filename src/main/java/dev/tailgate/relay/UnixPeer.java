package dev.tailgate.relay;

import dev.tailgate.localpeer.LocalPeer;
import dev.tailgate.localpeer.LocalPeers;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;

/**
 * Who is on the other end of a Unix-socket client: the uid and pid the kernel recorded when it
 * connected (SO_PEERCRED), exact and one getsockopt away, so no lookup and no wait; its command is
 * read from /proc/PID/comm at once, its parents are not looked up.
 */
final class UnixPeer {
  private UnixPeer() {}

  static LocalPeer of(EpollDomainSocketChannel channel, LocalPeers peers) {
    try {
      PeerCredentials c = channel.peerCredentials();
      return peers.named(c.uid(), c.pid());
    } catch (IOException e) {
      return new LocalPeer(-1, -1, null, null, "SO_PEERCRED failed: " + e.getMessage());
    }
  }

  /** The client's key for the per-client limits, as {@link IdentityWait} makes it for loopback. */
  static String key(ConnectionState state, RelaySettings.ClientIdentity identity) {
    LocalPeer p = state.peer;
    return switch (identity) {
      case PROCESS -> p.hasPid() ? "pid:" + p.pid() : uidOrAddress(state, p);
      case UID -> uidOrAddress(state, p);
      case ADDRESS -> state.clientHost;
    };
  }

  private static String uidOrAddress(ConnectionState state, LocalPeer p) {
    return p.hasUid() ? "uid:" + p.uid() : state.clientHost;
  }
}
