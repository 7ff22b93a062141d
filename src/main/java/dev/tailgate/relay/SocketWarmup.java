package dev.tailgate.relay;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.RuleSyntaxException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The socket half of the warm-up ({@link Warmup}): SOCKS5 tunnels over real loopback sockets
 * through a private relay listener of the user's transport and event loops, so that C1 also
 * compiles what {@link io.netty.channel.embedded.EmbeddedChannel} does not reach: the transport's
 * accept, read, write and connect, the dialer's {@code Bootstrap}, the loopback identity lookup.
 *
 * <p>Everything is its own and on 127.0.0.1 port 0: an echo server, a relay that admits only that
 * echo server (its own stats, a log that formats and drops), and, when the user's relay dials
 * through an upstream SOCKS5 server, a second private relay in front of the first that dials
 * through it with the same {@link Socks5Dialer} (never tailscaled). The client is a plain blocking
 * socket on the warm-up's thread. It stops as soon as {@code stop} says a user came, and closes
 * everything it opened before it returns.
 */
final class SocketWarmup {
  /**
   * The most tunnels driven. It usually stops well before, once the JIT has settled ({@link
   * Settled}): about 1,200 on a 2-core machine.
   */
  static final int CONNECTIONS = 3_000;

  /** The longest any step of a warm-up tunnel may take before the warm-up gives up. */
  private static final int TIMEOUT_MS = 2_000;

  private final RelaySettings settings;
  private final boolean direct;
  private final EventLoopGroup group;
  private final Transports transport;

  /**
   * @param direct whether the user's relay dials targets itself ({@link DirectDialer}), else
   *     through an upstream SOCKS5 server
   */
  SocketWarmup(RelaySettings settings, boolean direct, EventLoopGroup group, Transports transport) {
    this.settings = settings;
    this.direct = direct;
    this.group = group;
    this.transport = transport;
  }

  /**
   * Drives up to {@code n} tunnels, one after another, until {@code stop} is true or one fails.
   *
   * @return how many of them echoed
   */
  int tunnels(int n, BooleanSupplier stop) {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      Channel echo = echoServer();
      opened.add(() -> echo.close().awaitUninterruptibly(5, TimeUnit.SECONDS));
      InetSocketAddress target = (InetSocketAddress) echo.localAddress();
      Allowlist only = allowlist(target);
      DirectDialer dialer = new DirectDialer(transport, settings.dialTimeout());
      opened.add(dialer);
      RelayServer relay = relay(only, dialer);
      opened.add(relay);
      if (!direct) {
        relay = relay(only, new Socks5Dialer(transport, relay.address(), settings.dialTimeout()));
        opened.add(relay);
      }
      byte[] connect = connect(target);
      int echoed = 0;
      while (echoed < n && !stop.getAsBoolean() && tunnel(relay.address(), connect)) {
        echoed++;
      }
      return echoed;
    } catch (IOException | RuntimeException e) {
      return 0; // a warm-up that cannot run leaves the relay as it was
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } finally {
      for (int i = opened.size() - 1; i >= 0; i--) {
        try {
          opened.get(i).close();
        } catch (Exception e) {
          // closing what the warm-up opened; nothing a user sees depends on it
        }
      }
    }
  }

  private Channel echoServer() throws InterruptedException {
    return new ServerBootstrap()
        .group(group)
        .channel(transport.serverChannel())
        .childHandler(Echo.INSTANCE)
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .sync()
        .channel();
  }

  private RelayServer relay(Allowlist only, UpstreamDialer dialer) throws InterruptedException {
    return RelayServer.start(
        Warmup.quiet(settings),
        only,
        dialer,
        UpstreamGate.OPEN,
        Warmup.FormatOnly.INSTANCE,
        new RelayStats(),
        group,
        transport);
  }

  private static Allowlist allowlist(InetSocketAddress target) {
    String rule = "127.0.0.1:" + target.getPort();
    try {
      return Allowlist.parse(List.of(rule));
    } catch (RuleSyntaxException e) {
      throw new IllegalStateException("the warm-up's own rule " + rule, e);
    }
  }

  /** A SOCKS5 CONNECT to {@code target}, an IPv4 address. */
  private static byte[] connect(InetSocketAddress target) {
    byte[] ip = target.getAddress().getAddress();
    int port = target.getPort();
    return new byte[] {5, 1, 0, 1, ip[0], ip[1], ip[2], ip[3], (byte) (port >> 8), (byte) port};
  }

  /** One tunnel: greeting, CONNECT, 32 bytes there and back, close. */
  private static boolean tunnel(InetSocketAddress relay, byte[] connect) throws IOException {
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.setSoTimeout(TIMEOUT_MS);
      s.connect(relay, TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      out.write(Warmup.GREETING);
      in.readFully(new byte[2]);
      out.write(connect);
      byte[] reply = new byte[10];
      in.readFully(reply);
      if (reply[1] != 0) {
        return false;
      }
      out.write(Warmup.PAYLOAD);
      in.readFully(new byte[Warmup.PAYLOAD.length]);
      return true;
    }
  }

  /**
   * Says when the warm-up has done its work: once the JIT's total compile time has not moved over
   * {@link #QUIET_BATCHES} batches of {@link #BATCH} tunnels. A fixed count ends too early: C1's
   * thresholds grow with its queue (Tier3LoadFeedback), and at start the queue is long, so methods
   * called once per tunnel were still waiting for compilation after 300 tunnels and were compiled
   * while the first clients waited. Asked once per tunnel; looks at the JIT once per batch.
   */
  static final class Settled implements BooleanSupplier {
    static final int BATCH = 50;
    static final int QUIET_BATCHES = 3;

    /** Without the JIT's compile time (no JIT, or not monitored): the tunnels this many. */
    static final int BLIND = 1_000;

    private final LongSupplier compileMillis;
    private int tunnels;
    private long last = -1;
    private int quiet;

    /**
     * @param compileMillis the JIT's total compile time so far, or {@code null} when the JVM does
     *     not say
     */
    Settled(LongSupplier compileMillis) {
      this.compileMillis = compileMillis;
    }

    /** For this JVM's JIT. */
    static Settled ofThisJvm() {
      CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
      return new Settled(
          jit != null && jit.isCompilationTimeMonitoringSupported()
              ? jit::getTotalCompilationTime
              : null);
    }

    @Override
    public boolean getAsBoolean() {
      tunnels++;
      if (compileMillis == null) {
        return tunnels >= BLIND;
      }
      if (tunnels % BATCH != 0) {
        return false;
      }
      long now = compileMillis.getAsLong();
      quiet = now == last ? quiet + 1 : 0;
      last = now;
      return quiet >= QUIET_BATCHES;
    }
  }

  /** Writes back what it reads. */
  @ChannelHandler.Sharable
  private static final class Echo extends ChannelInboundHandlerAdapter {
    static final Echo INSTANCE = new Echo();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.writeAndFlush(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
