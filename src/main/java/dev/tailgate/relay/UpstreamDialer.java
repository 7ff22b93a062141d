package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/**
 * Opens the outbound leg of a tunnel. The returned channel is connected (and past any upstream
 * handshake), has auto-read off and half-closure allowed, and lives on the inbound channel's event
 * loop. A failed future's cause is a {@link DialException}.
 */
public interface UpstreamDialer {

  /**
   * Dials {@code host:port} for {@code inbound}.
   *
   * @param host a name (passed on unresolved where the upstream resolves) or an address literal
   */
  Future<Channel> dial(Channel inbound, String host, int port);

  /** How this dialer appears in logs and status: {@code direct} or {@code socks5://host:port}. */
  String describe();
}
