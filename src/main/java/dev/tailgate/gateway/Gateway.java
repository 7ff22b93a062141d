package dev.tailgate.gateway;

import dev.tailgate.bootstrap.BootstrapException;
import dev.tailgate.bootstrap.BootstrapSettings;
import dev.tailgate.bootstrap.EarlyStart;
import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.HostPort;
import dev.tailgate.config.Limits;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.relay.Credentials;
import dev.tailgate.relay.DirectDialer;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.relay.RelaySettings;
import dev.tailgate.relay.RelayStats;
import dev.tailgate.relay.Socks5Dialer;
import dev.tailgate.relay.Transports;
import dev.tailgate.relay.UpstreamDialer;
import dev.tailgate.relay.UpstreamGate;
import dev.tailgate.relay.Warmup;
import dev.tailgate.web.AdminRoutes;
import dev.tailgate.web.AdminServer;
import dev.tailgate.web.Pac;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One running tailgate: the supervisor (unless --no-bootstrap), the relay, the connection log and
 * the run-state file, stopped in the reverse of their start. tailscaled is started first, before
 * netty is loaded, when there is none to adopt; the log, metrics, dialer and relay listener are set
 * up while it boots (the relay holds clients until Running), the admin listener once it is Running.
 * tailscaled itself is left running on stop, for the next tailgate to adopt; {@code tailgate down}
 * stops it. The allowlist and the limits reload on SIGHUP and when the config file changes ({@link
 * #reload}).
 */
public final class Gateway implements AutoCloseable {
  /** Reads the settings again the way {@code up} read them at start: the file, flags over it. */
  @FunctionalInterface
  public interface Reread {
    TailgateConfig read() throws ConfigException;
  }

  /** Only Linux has netty's epoll transport, which managing tailscaled needs. */
  private static final boolean IS_LINUX = System.getProperty("os.name", "").equals("Linux");

  private final List<AutoCloseable> stack = new ArrayList<>();
  private final TailgateConfig cfg;
  private final Path configFile;
  private final Reread reread;
  private final PrintWriter err;
  private final Path runDir;
  private final Instant started = Instant.now();
  private Supervisor supervisor;
  private RelayServer relay;
  private AdminServer admin;
  private UpstreamDialer dialer;
  private CompletableFuture<Void> bringup;
  private PolicyReload reload;

  /**
   * @param configFile the {@code --config} file, watched for changes, or {@code null}
   */
  public Gateway(TailgateConfig cfg, Path configFile, Reread reread, PrintWriter err) {
    this(cfg, configFile, reread, err, null);
  }

  /**
   * @param runDir where the run-state file goes, or {@code null} for {@link RunState#dir()}, which
   *     is asked only once tailscaled is spawned: RunState's JSON mapper would load Jackson (375
   *     classes, about 35 ms) on the way to the spawn
   */
  Gateway(TailgateConfig cfg, Path configFile, Reread reread, PrintWriter err, Path runDir) {
    this.cfg = cfg;
    this.configFile = configFile;
    this.reread = reread;
    this.err = err;
    this.runDir = runDir;
  }

  /** Starts everything; returns once the relay accepts. */
  public void start() throws Exception {
    Credentials credentials = cfg.authFile() == null ? null : Settings.credentials(cfg.authFile());
    // tailscaled boots in seconds, the rest of tailgate in a fraction of that: start it first,
    // before netty is loaded, unless a daemon may be there to adopt (docs/architecture.md).
    BootstrapSettings bootstrap = null;
    EarlyStart early = EarlyStart.NONE;
    if (!cfg.noBootstrap()) {
      bootstrap = DaemonSettings.of(cfg);
      if (IS_LINUX) {
        early = EarlyStart.ifNothingListens(bootstrap, this::say);
      }
    }
    Transports transport = Transports.best();
    EventLoopGroup group = eventLoops(transport);
    Telemetry telemetry = Telemetry.open(cfg.logFile());
    stack.add(telemetry.log());
    UpstreamGate gate = UpstreamGate.OPEN;
    if (!cfg.noBootstrap()) {
      if (transport != Transports.EPOLL) {
        throw new BootstrapException(
            "managing tailscaled needs Linux with netty's epoll transport; use --no-bootstrap elsewhere");
      }
      LocalApiClient api = new LocalApiClient(group, cfg.daemon().socket());
      stack.add(api);
      supervisor = new Supervisor(bootstrap, api, this::say);
      stack.add(supervisor);
      // The connection log, the metrics, the dialer and the relay's listener are set up while
      // tailscaled boots; the admin listener waits for Running, so that the PAC file it serves
      // names the MagicDNS suffix.
      bringup = supervisor.begin(early);
      gate = new DaemonGate(supervisor, telemetry.metrics()::instantAnswer);
    }
    Allowlist allowlist = PolicyReload.allowlist(cfg, supervisor);
    if (cfg.allow().isEmpty()) {
      say("no --allow rules: every target will be refused (deny by default)");
    }
    // The relay listens while tailscaled boots: its gate holds each client until Running, so the
    // first one is relayed the moment tailscaled can carry it, and a taken port fails at once.
    relay = listen(credentials, allowlist, gate, telemetry, group, transport);
    if (cfg.listenUnix() != null) {
      relay.listenUnix(cfg.listenUnix().path(), cfg.listenUnix().mode());
    }
    if (bringup != null) {
      awaitRunning(bringup);
      say("tailscaled is Running (" + supervisor.snapshot().magicDnsSuffix() + ")");
    }
    RunStateWriter runState =
        new RunStateWriter(runDir != null ? runDir : RunState.dir(), this::runState);
    reload =
        new PolicyReload(
            cfg, reread, relay, supervisor, telemetry.metrics(), this::say, runState::writeQuietly);
    telemetry.gauges(relay.stats(), supervisor);
    if (cfg.admin() != null) {
      admin = admin(telemetry, credentials, group, transport);
    }
    stack.add(runState);
    runState.start();
    // The relay's line comes after the run-state file, which `status` and `connect` read: it says
    // tailgate is ready, and findable.
    say(
        String.format(
            "relay on %s%s (socks5, socks4a, http connect) -> %s, %d allow rule(s)",
            HostPort.format(relay.address()),
            relay.unixPath() == null ? "" : " and unix:" + relay.unixPath(),
            dialer.describe(),
            cfg.allow().size()));
    reloadOnSignalAndChange();
  }

  /** The relay's listener, with its dialer, on {@code --listen}. */
  private RelayServer listen(
      Credentials credentials,
      Allowlist allowlist,
      UpstreamGate gate,
      Telemetry telemetry,
      EventLoopGroup group,
      Transports transport)
      throws Exception {
    RelaySettings settings = relaySettings(cfg, credentials);
    dialer = dialer(transport, settings);
    RelayStats stats = new RelayStats(telemetry.metrics());
    RelayServer server =
        Binding.bind(
            "listen",
            cfg.listen(),
            () ->
                RelayServer.start(
                    settings, allowlist, dialer, gate, telemetry.log(), stats, group, transport));
    stack.add(server);
    // While tailscaled boots (or before the first client), so that C1 has compiled the
    // connection path when that client comes.
    Warmup.inBackground(settings, cfg.upstream().isDirect(), group, transport, stats);
    return server;
  }

  /** The relay's settings: the listener, timeouts, password and limits {@code cfg} gives. */
  static RelaySettings relaySettings(TailgateConfig cfg, Credentials credentials) {
    return new RelaySettings(
        cfg.listen(),
        RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
        RelaySettings.DEFAULT_DIAL_TIMEOUT,
        cfg.idleTimeout(),
        credentials,
        relayLimits(cfg.limits()));
  }

  /** The settings' limits as the relay takes them. */
  static RelaySettings.Limits relayLimits(Limits limits) {
    return new RelaySettings.Limits(
        limits.connections(),
        limits.perClient(),
        limits.handshakes(),
        limits.perClientHandshakes(),
        RelaySettings.ClientIdentity.valueOf(limits.identity().name()));
  }

  /** One event loop group for the relay, the admin listener and the LocalAPI client. */
  private EventLoopGroup eventLoops(Transports transport) {
    EventLoopGroup group = transport.newGroup(0);
    stack.add(
        () ->
            group
                .shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(5, TimeUnit.SECONDS));
    return group;
  }

  /** Straight to the target with {@code --upstream direct}, else through tailscaled's SOCKS5. */
  private UpstreamDialer dialer(Transports transport, RelaySettings settings) {
    UpstreamDialer d =
        cfg.upstream().isDirect()
            ? new DirectDialer(transport, settings.dialTimeout())
            : new Socks5Dialer(transport, cfg.upstream().socks5(), settings.dialTimeout());
    if (d instanceof AutoCloseable c) {
      stack.add(c);
    }
    return d;
  }

  /** The admin listener: health, metrics, the PAC file and the status page. */
  private AdminServer admin(
      Telemetry telemetry, Credentials credentials, EventLoopGroup group, Transports transport)
      throws Exception {
    AdminRoutes routes =
        new AdminRoutes(
            new StatusAssembler(
                relay, dialer.describe(), telemetry.refusals(), supervisor, reload::last),
            telemetry.metrics(),
            () ->
                Pac.of(
                    HostPort.format(relay.address()),
                    supervisor == null ? null : supervisor.magicDnsSuffix()));
    AdminServer server =
        Binding.bind(
            "admin",
            cfg.admin(),
            () -> AdminServer.start(cfg.admin(), routes, credentials, group, transport));
    stack.add(server);
    say(
        "admin on http://"
            + HostPort.format(server.address())
            + "/ (healthz, metrics, proxy.pac, status page)");
    return server;
  }

  /** Reloads on SIGHUP and when the config file changes; says so when this JVM cannot. */
  private void reloadOnSignalAndChange() {
    Reloader reloader = new Reloader(configFile, reload::run);
    stack.add(reloader);
    try {
      reloader.start();
    } catch (IOException e) {
      say("reload on SIGHUP or file change is off: " + OneLine.of(e));
    }
  }

  /** Waits for the supervisor's first bring-up and throws what it failed with. */
  private static void awaitRunning(CompletableFuture<Void> bringup) throws Exception {
    try {
      bringup.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** Where the relay listens; null before {@link #start()}. */
  public InetSocketAddress relayAddress() {
    return relay == null ? null : relay.address();
  }

  /** Where the admin listener listens; null before {@link #start()} or with {@code --admin off}. */
  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  private void say(String message) {
    err.println("tailgate: " + message);
    err.flush();
  }

  /** What the run-state file says now. */
  private RunState runState() {
    return new RunState(
        ProcessHandle.current().pid(),
        true,
        HostPort.format(relay.address()),
        admin == null ? null : HostPort.format(admin.address()),
        dialer.describe(),
        cfg.noBootstrap() ? null : cfg.daemon().stateDir().toString(),
        supervisor == null ? null : DaemonView.of(supervisor, false),
        relay.stats().open(),
        relay.stats().total(),
        started.toString(),
        Instant.now().toString(),
        reload.last(),
        cfg.daemon().socket().toAbsolutePath().toString(),
        relay.unixPath() == null ? null : relay.unixPath().toString());
  }

  @Override
  public void close() {
    for (int i = stack.size() - 1; i >= 0; i--) {
      try {
        stack.get(i).close();
      } catch (Exception ignored) {
        // Shutting down: go on with the rest.
      }
    }
    stack.clear();
  }
}
