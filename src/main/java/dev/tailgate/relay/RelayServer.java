package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.localpeer.LocalPeers;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.Decision;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The relay's listener: binds, serves until closed; and, if asked, a second listener on a
 * Unix-domain socket ({@link #listenUnix}) that serves the same way under the same policy, limits
 * and stats.
 */
public final class RelayServer implements AutoCloseable {
  private final Channel server;
  private final RelayStats stats;
  private final AtomicReference<Policy> policy;
  private final DirectDialer direct;
  private final Function<String, RelayInitializer> initializer;
  private Channel unixServer;
  private UnixSocketPath unixPath;

  private RelayServer(
      Channel server,
      RelayStats stats,
      AtomicReference<Policy> policy,
      DirectDialer direct,
      Function<String, RelayInitializer> initializer) {
    this.server = server;
    this.stats = stats;
    this.policy = policy;
    this.direct = direct;
    this.initializer = initializer;
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
    Function<String, RelayInitializer> initializer =
        unixClient ->
            new RelayInitializer(tunneler, settings, policy, log, stats, peers, unixClient);
    Channel server =
        forClients(new ServerBootstrap())
            .group(group)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .handler(new AcceptGate(policy, stats, log, peers))
            .childHandler(initializer.apply(null))
            .bind(settings.listen())
            .sync()
            .channel();
    if (policy.get().looksUpLocalClients()) {
      peers.prepare();
    }
    return new RelayServer(server, stats, policy, direct, initializer);
  }

  /**
   * How both listeners' clients are read: on demand (auto-read off, for backpressure),
   * half-closable, as {@link Transports#READS}. No TCP_NODELAY here: netty's socket channels set it
   * when created (Transports).
   */
  private static ServerBootstrap forClients(ServerBootstrap bootstrap) {
    return bootstrap
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.RECVBUF_ALLOCATOR, Transports.READS);
  }

  /**
   * Also listens on a Unix-domain socket at {@code path}, on the same loops, for the same
   * protocols: the socket file is created with {@code mode} (0600 or 0660) before anyone can
   * connect, in a directory made 0700 if missing; a stale socket there is replaced only when
   * nothing listens on it; {@link #close} removes it. Its clients' uid and pid come from
   * SO_PEERCRED. Needs the epoll transport (Linux).
   *
   * @throws IOException whose message is one line: no epoll, the path taken, the bind failed
   */
  public void listenUnix(Path path, Set<PosixFilePermission> mode)
      throws IOException, InterruptedException {
    if (!(server instanceof EpollServerSocketChannel)) {
      throw new IOException(
          "a Unix-socket listener needs netty's epoll transport (Linux), which this machine lacks:"
              + " drop listen-unix and use the TCP listener");
    }
    UnixSocketPath socket = new UnixSocketPath(path, mode);
    socket.prepare();
    Path dir = socket.privateDir();
    try {
      Path bound = dir.resolve("s");
      if (bound.toString().getBytes(StandardCharsets.UTF_8).length
          > UnixSocketPath.MAX_PATH_BYTES) {
        throw new IOException(
            "the directory of " + path + " is too long for a socket path: pick a shorter one");
      }
      ChannelFuture bind =
          forClients(new ServerBootstrap())
              .group(server.eventLoop().parent())
              .channel(EpollServerDomainSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childHandler(initializer.apply(UNIX_CLIENT + socket.path))
              .bind(new DomainSocketAddress(bound.toFile()))
              .await();
      if (!bind.isSuccess()) {
        throw new IOException(
            "cannot listen on " + path + ": " + bind.cause().getMessage(), bind.cause());
      }
      try {
        socket.publish(bound);
      } catch (IOException e) {
        bind.channel().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        throw e;
      }
      unixServer = bind.channel();
      unixPath = socket;
    } finally {
      UnixSocketPath.removeQuietly(dir);
    }
  }

  /** The {@code client} of a Unix-socket client's log line: this and the listener's path. */
  static final String UNIX_CLIENT = "unix:";

  /** The Unix socket's path, or null when there is none. */
  public Path unixPath() {
    return unixPath == null ? null : unixPath.path;
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
    if (unixServer != null) {
      unixServer.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      unixPath.remove();
    }
    direct.close();
  }
}
