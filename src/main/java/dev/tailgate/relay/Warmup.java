package dev.tailgate.relay;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.audit.JsonLinesLog;
import dev.tailgate.localpeer.LocalPeers;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.RuleSyntaxException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the connection path's handlers before the first client does. {@code up} runs C1 only
 * (decision 14), which compiles a method after about 200 calls: until then each of a fresh relay's
 * first few hundred connections runs the handshake and the tunnel in the interpreter, at several
 * times the cost of a warm one, and those connections are the relay's latency tail. This drives
 * SOCKS5 tunnels through the relay's own initializer, handshake and relay handlers on {@link
 * EmbeddedChannel}s, so that C1 has compiled them when the first real client comes.
 *
 * <p>Nothing leaves it: no log line (each is formatted, as the connection log's writer does, and
 * dropped), no counter of the listener's and no allowlist of the user's (its own admits only a
 * documentation address, dialed by a stand-in that answers with another embedded channel). Its
 * second half, {@link SocketWarmup}, opens loopback sockets of its own on port 0 and closes them.
 * It runs on a daemon thread of its own at the lowest priority and ends after {@link #CONNECTIONS}
 * embedded tunnels and as many socket tunnels as the JIT needs to settle ({@link
 * SocketWarmup.Settled}, at most {@link SocketWarmup#CONNECTIONS}), or once a first client came;
 * when none has come, with one full collection ({@link #collectUnlessServing}).
 */
public final class Warmup {
  /** Tunnels driven: past C1's thresholds (200 calls, checked every 128) for the per-call code. */
  static final int CONNECTIONS = 600;

  /** The target the tunnels ask for (TEST-NET-1); its own allowlist admits only this. */
  private static final String TARGET = "192.0.2.1:22";

  /** The greeting and the payload of both halves' tunnels (SocketWarmup writes them too). */
  static final byte[] GREETING = {5, 1, 0};

  private static final byte[] CONNECT = {5, 1, 0, 1, (byte) 192, 0, 2, 1, 0, 22};
  static final byte[] PAYLOAD = new byte[32];

  private final RelayInitializer initializer;
  private final StandIn dialer = new StandIn();

  Warmup(RelaySettings settings) {
    RelaySettings.Limits limits = settings.limits();
    AtomicReference<Policy> policy = new AtomicReference<>(new Policy(allowlist(), limits));
    RelayStats stats = new RelayStats();
    Tunneler tunneler =
        new Tunneler(policy, dialer, UpstreamGate.OPEN, stats, settings.idleTimeout());
    this.initializer =
        new RelayInitializer(
            tunneler,
            quiet(settings),
            policy,
            FormatOnly.INSTANCE,
            stats,
            LocalPeers.system(),
            null);
  }

  /**
   * The warm-up's own settings: {@code settings}' timeouts and limits, no password, on loopback
   * port 0.
   */
  static RelaySettings quiet(RelaySettings settings) {
    return new RelaySettings(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        settings.handshakeTimeout(),
        settings.dialTimeout(),
        settings.idleTimeout(),
        null,
        settings.limits());
  }

  private static Allowlist allowlist() {
    try {
      return Allowlist.parse(List.of(TARGET));
    } catch (RuleSyntaxException e) {
      throw new IllegalStateException("the warm-up's own rule " + TARGET, e);
    }
  }

  /**
   * Starts the warm-up for a listener with {@code settings} (its timeouts and limits; never its
   * password or allowlist) on a thread of its own, and returns at once: the embedded tunnels, then
   * tunnels over loopback sockets ({@link SocketWarmup}) on {@code group} and {@code transport},
   * through a private relay that dials as the listener does ({@code direct}, else through an
   * upstream SOCKS5 server of its own), until the listener's {@code stats} count a first client.
   */
  public static Thread inBackground(
      RelaySettings settings,
      boolean direct,
      EventLoopGroup group,
      Transports transport,
      RelayStats stats) {
    Thread t =
        new Thread(
            () -> {
              new Warmup(settings).tunnels(CONNECTIONS);
              SocketWarmup.Settled settled = SocketWarmup.Settled.ofThisJvm();
              new SocketWarmup(settings, direct, group, transport)
                  .tunnels(
                      SocketWarmup.CONNECTIONS, () -> stats.total() > 0 || settled.getAsBoolean());
              collectUnlessServing(stats);
            },
            "tailgate-relay-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    return t;
  }

  /**
   * Collects the start-up's and the warm-up's garbage while the relay still waits for its first
   * client: one full collection (tens of milliseconds) that nobody waits for, instead of the first
   * young collections under load copying and then promoting what start-up left alive (measured
   * under a connect-and-close flood: 26 ms and then 12 ms, where later young pauses took about 7).
   * Skipped once a client came: that client would wait for it.
   *
   * @return whether it collected
   */
  static boolean collectUnlessServing(RelayStats stats) {
    if (stats.total() > 0) {
      return false;
    }
    System.gc();
    return true;
  }

  /**
   * Drives {@code n} tunnels, one after another: greeting, CONNECT, an echo each way, close.
   *
   * @return how many of them were relayed both ways
   */
  int tunnels(int n) {
    int relayed = 0;
    for (int i = 0; i < n; i++) {
      if (tunnel()) {
        relayed++;
      }
    }
    return relayed;
  }

  private boolean tunnel() {
    EmbeddedChannel client = new EmbeddedChannel(initializer);
    EmbeddedChannel target = new EmbeddedChannel();
    dialer.next = target;
    try {
      client.writeInbound(Unpooled.wrappedBuffer(GREETING));
      drain(client);
      client.writeInbound(Unpooled.wrappedBuffer(CONNECT));
      drain(client);
      client.writeInbound(Unpooled.wrappedBuffer(PAYLOAD));
      boolean up = drain(target) == PAYLOAD.length;
      target.writeInbound(Unpooled.wrappedBuffer(PAYLOAD));
      boolean down = drain(client) == PAYLOAD.length;
      return up && down;
    } finally {
      target.finishAndReleaseAll();
      client.finishAndReleaseAll();
    }
  }

  /** Releases what {@code ch} wrote, and says how many bytes it was. */
  private static int drain(EmbeddedChannel ch) {
    int bytes = 0;
    for (Object msg; (msg = ch.readOutbound()) != null; ) {
      if (msg instanceof ByteBuf buf) {
        bytes += buf.readableBytes();
      }
      ReferenceCountUtil.release(msg);
    }
    return bytes;
  }

  /** Formats each event as the connection log does, and drops the line. */
  static final class FormatOnly implements ConnectionLog {
    static final FormatOnly INSTANCE = new FormatOnly();

    @Override
    public void record(ConnectionEvent event) {
      JsonLinesLog.toLine(event);
    }

    @Override
    public void close() {}
  }

  /** Stands in for the dialer: answers each dial with the warm-up's next target channel. */
  private static final class StandIn implements UpstreamDialer {
    EmbeddedChannel next;

    @Override
    public Future<Channel> dial(Channel inbound, String host, int port) {
      return inbound.eventLoop().newSucceededFuture(next);
    }

    @Override
    public String describe() {
      return "warm-up";
    }
  }
}
