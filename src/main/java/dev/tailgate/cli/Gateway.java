package dev.tailgate.cli;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.audit.JsonLinesLog;
import dev.tailgate.audit.RecentRefusals;
import dev.tailgate.bootstrap.BootstrapException;
import dev.tailgate.bootstrap.BootstrapSettings;
import dev.tailgate.bootstrap.EarlyStart;
import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.HostPort;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.gateway.DaemonGate;
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
import dev.tailgate.web.AdminRoutes;
import dev.tailgate.web.AdminServer;
import dev.tailgate.web.Metrics;
import dev.tailgate.web.Pac;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
final class Gateway implements AutoCloseable {
  /** Refusals the status page lists. */
  static final int RECENT_REFUSALS = 50;

  /** Reads the settings again the way {@code up} read them at start: the file, flags over it. */
  @FunctionalInterface
  interface Reread {
    TailgateConfig read() throws ConfigException;
  }

  /** Only Linux has netty's epoll transport, which managing tailscaled needs. */
  private static final boolean IS_LINUX = System.getProperty("os.name", "").equals("Linux");

  private final List<AutoCloseable> stack = new ArrayList<>();
  private final TailgateConfig cfg;
  private final Path configFile;
  private final Reread reread;
  private final PrintWriter err;
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
  Gateway(TailgateConfig cfg, Path configFile, Reread reread, PrintWriter err) {
    this.cfg = cfg;
    this.configFile = configFile;
    this.reread = reread;
    this.err = err;
  }

  /** Starts everything; returns once the relay accepts. */
  void start() throws Exception {
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
    EventLoopGroup group = transport.newGroup(0);
    stack.add(
        () ->
            group
                .shutdownGracefully(0, 2, TimeUnit.SECONDS)
                .awaitUninterruptibly(5, TimeUnit.SECONDS));
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
      gate = new DaemonGate(supervisor);
    }
    Allowlist allowlist = PolicyReload.allowlist(cfg, supervisor);
    if (cfg.allow().isEmpty()) {
      say("no --allow rules: every target will be refused (deny by default)");
    }
    RelaySettings settings =
        new RelaySettings(
            cfg.listen(),
            RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
            RelaySettings.DEFAULT_DIAL_TIMEOUT,
            cfg.idleTimeout(),
            credentials,
            cfg.limits());
    Metrics metrics = new Metrics();
    RecentRefusals refusals = new RecentRefusals(RECENT_REFUSALS);
    ConnectionLog log =
        ConnectionLog.tee(
            cfg.logFile() == null ? JsonLinesLog.toStdout() : JsonLinesLog.toFile(cfg.logFile()),
            metrics,
            refusals);
    stack.add(log);
    dialer =
        cfg.upstream().isDirect()
            ? new DirectDialer(transport, settings.dialTimeout())
            : new Socks5Dialer(transport, cfg.upstream().socks5(), settings.dialTimeout());
    if (dialer instanceof AutoCloseable c) {
      stack.add(c);
    }
    RelayStats stats = new RelayStats(metrics);
    // The relay listens while tailscaled boots: its gate holds each client until Running, so the
    // first one is relayed the moment tailscaled can carry it, and a taken port fails at once.
    UpstreamGate upstreamGate = gate;
    relay =
        bind(
            "listen",
            cfg.listen(),
            () ->
                RelayServer.start(
                    settings, allowlist, dialer, upstreamGate, log, stats, group, transport));
    stack.add(relay);
    if (bringup != null) {
      awaitRunning(bringup);
      say("tailscaled is Running (" + supervisor.snapshot().magicDnsSuffix() + ")");
    }
    reload =
        new PolicyReload(
            cfg, reread, relay, supervisor, metrics, this::say, this::writeRunStateQuietly);
    metrics.gauge(
        "tailgate.connections.open", "Client connections open now", stats, RelayStats::open);
    if (supervisor != null) {
      Supervisor sup = supervisor;
      metrics.gauge(
          "tailgate.rebootstraps",
          "tailscaled re-bootstraps since start",
          sup,
          s -> s.snapshot().restarts());
      metrics.phases(
          () -> sup.snapshot().phase().name(),
          Arrays.stream(Supervisor.Phase.values()).map(Enum::name).toArray(String[]::new));
    }
    if (cfg.admin() != null) {
      AdminRoutes routes =
          new AdminRoutes(
              new StatusAssembler(relay, dialer.describe(), refusals, supervisor, reload::last),
              metrics,
              () ->
                  Pac.of(
                      HostPort.format(relay.address()),
                      supervisor == null ? null : supervisor.magicDnsSuffix()));
      admin =
          bind(
              "admin",
              cfg.admin(),
              () -> AdminServer.start(cfg.admin(), routes, credentials, group, transport));
      stack.add(admin);
    }
    if (admin != null) {
      say(
          "admin on http://"
              + HostPort.format(admin.address())
              + "/ (healthz, metrics, proxy.pac, status page)");
    }
    ScheduledExecutorService writer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tailgate-run-state");
              t.setDaemon(true);
              return t;
            });
    stack.add(() -> RunState.remove(ProcessHandle.current().pid()));
    stack.add(writer::shutdownNow);
    writeRunState();
    writer.scheduleWithFixedDelay(this::writeRunStateQuietly, 2, 2, TimeUnit.SECONDS);
    // The relay's line comes after the run-state file, which `status` and `connect` read: it says
    // tailgate is ready, and findable.
    say(
        String.format(
            "relay on %s (socks5, socks4a, http connect) -> %s, %d allow rule(s)",
            HostPort.format(relay.address()), dialer.describe(), cfg.allow().size()));
    Reloader reloader = new Reloader(configFile, reload::run);
    stack.add(reloader);
    try {
      reloader.start();
    } catch (IOException e) {
      say("reload on SIGHUP or file change is off: " + TailgateCommand.oneLine(e));
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
  InetSocketAddress relayAddress() {
    return relay == null ? null : relay.address();
  }

  /** Where the admin listener listens; null before {@link #start()} or with {@code --admin off}. */
  InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  /** A listener that binds, or a BindException that says which address and what to do. */
  private <T> T bind(String what, InetSocketAddress address, Callable<T> start) throws Exception {
    try {
      return start.call();
    } catch (Exception e) {
      if (e instanceof BindException || TailgateCommand.oneLine(e).contains("in use")) {
        BindException bind =
            new BindException(
                "cannot listen on "
                    + HostPort.format(address)
                    + " ("
                    + what
                    + "): "
                    + TailgateCommand.oneLine(e)
                    + " (is another tailgate running? `tailgate status` tells; or pick another --"
                    + what
                    + ")");
        bind.initCause(e);
        throw bind;
      }
      throw e;
    }
  }

  private void say(String message) {
    err.println("tailgate: " + message);
    err.flush();
  }

  private synchronized void writeRunStateQuietly() {
    try {
      writeRunState();
    } catch (IOException | RuntimeException e) {
      // The next tick tries again; status shows the last good state meanwhile.
    }
  }

  private synchronized void writeRunState() throws IOException {
    RunState.Daemon daemon = null;
    if (supervisor != null) {
      Supervisor.Snapshot s = supervisor.snapshot();
      daemon =
          new RunState.Daemon(
              s.phase().name().toLowerCase(java.util.Locale.ROOT),
              s.pid(),
              s.restarts(),
              s.lastFailure(),
              s.since().toString(),
              s.backendState(),
              s.magicDnsSuffix());
    }
    new RunState(
            ProcessHandle.current().pid(),
            true,
            HostPort.format(relay.address()),
            admin == null ? null : HostPort.format(admin.address()),
            dialer.describe(),
            cfg.noBootstrap() ? null : cfg.daemon().stateDir().toString(),
            daemon,
            relay.stats().open(),
            relay.stats().total(),
            started.toString(),
            Instant.now().toString(),
            reload.last())
        .write();
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
