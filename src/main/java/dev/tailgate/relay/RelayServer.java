package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.localpeer.LocalPeers;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.Decision;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** One relay listener: binds, serves until closed. */
public final class RelayServer implements AutoCloseable {
  private final Channel server;
  private final RelayStats stats;
  private final AtomicReference<Policy> policy;
  private final DirectDialer direct;

  private RelayServer(
      Channel server, RelayStats stats, AtomicReference<Policy> policy, DirectDialer direct) {
    this.server = server;
    this.stats = stats;
    this.policy = policy;
    this.direct = direct;
  }

  public RelayStats stats() {
    return stats;
  }

  /**
   * Binds the listener on {@code group}'s loops; connections are served on the same loops, and each
   * connection's upstream leg on its client's loop.
   *
   * <p>A bind failure (address in use, address not local) is thrown as netty reports it, an {@link
   * java.io.IOException} such as {@link java.net.BindException}.
   */
  public static RelayServer start(
      RelaySettings settings,
      Allowlist allowlist,
      UpstreamDialer dialer,
      UpstreamGate gate,
      ConnectionLog log,
      RelayStats stats,
      EventLoopGroup group,
      Transports transport)
      throws InterruptedException {
    AtomicReference<Policy> policy =
        new AtomicReference<>(new Policy(allowlist, settings.limits()));
    DirectDialer direct = new DirectDialer(transport, settings.dialTimeout(), true);
    Tunneler tunneler = new Tunneler(policy, dialer, direct, gate, stats, settings.idleTimeout());
    LocalPeers peers = LocalPeers.system();
    Channel server =
        new ServerBootstrap()
            .group(group)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            // No TCP_NODELAY here: netty's socket channels set it when created (Transports).
            .childHandler(new RelayInitializer(tunneler, settings, policy, log, stats, peers))
            .bind(settings.listen())
            .sync()
            .channel();
    if (settings.limits().identity() != RelaySettings.ClientIdentity.ADDRESS
        || allowlist.namesUids()) {
      peers.prepare();
    }
    return new RelayServer(server, stats, policy, direct);
  }

  /** The allowlist and limits in force now. */
  public Policy policy() {
    return policy.get();
  }

  /**
   * Puts {@code next} in force for every accept and request from now on. Established tunnels are
   * left alone, unless {@code closeDenied}: then each tunnel (or dial in progress) whose target
   * {@code next}'s allowlist refuses is closed, with {@code closed_by} {@code reload} and the
   * reason in its log line.
   *
   * @return how many connections were closed
   */
  public int reload(Policy next, boolean closeDenied) {
    policy.set(next);
    if (!closeDenied) {
      return 0;
    }
    int closed = 0;
    for (ConnectionState state : stats.states()) {
      // phase is volatile and written after the target: reading it first makes the target safe.
      String phase = state.phase;
      if (phase.equals("handshake") || state.targetHost == null) {
        continue; // not decided yet: the request will meet the new allowlist
      }
      Decision decision = next.allowlist().decide(state.targetHost, state.targetPort, state.uid());
      if (!decision.allowed()) {
        closed++;
        Channel ch = state.channel;
        ch.eventLoop()
            .execute(
                () -> {
                  state.closedBy("reload");
                  state.reason = "closed by a reload: " + decision.reason();
                  ch.close();
                });
      }
    }
    return closed;
  }

  /** Whether the listener still accepts. */
  public boolean isListening() {
    return server.isActive();
  }

  /** The bound address (with the real port when port 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    direct.close();
  }
}
