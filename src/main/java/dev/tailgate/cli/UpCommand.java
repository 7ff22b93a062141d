package dev.tailgate.cli;

import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.audit.JsonLinesLog;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.ConfigFile;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.HostPort;
import dev.tailgate.config.Located;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.relay.Credentials;
import dev.tailgate.relay.DirectDialer;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.relay.RelaySettings;
import dev.tailgate.relay.Socks5Dialer;
import dev.tailgate.relay.Transports;
import dev.tailgate.relay.UpstreamDialer;
import dev.tailgate.relay.UpstreamGate;
import io.netty.channel.EventLoopGroup;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tailgate up}: runs the relay until stopped. */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Run the relay: one listener for SOCKS5, SOCKS4/4a and HTTP CONNECT, in front of"
          + " tailscaled's SOCKS5 (or direct), with a deny-by-default allowlist and one JSON log"
          + " line per connection.",
      "Settings come from --config FILE (YAML, keys named like the long flags) and the flags;"
          + " a flag wins over the file."
    })
final class UpCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file.")
  Path config;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description =
          "Relay address (default: "
              + TailgateConfig.DEFAULT_LISTEN
              + "). A non-loopback"
              + " address is refused unless --auth-file is set.")
  String listen;

  @Option(
      names = "--upstream",
      paramLabel = "socks5://HOST:PORT|direct",
      description =
          "Where allowed connections go (default: socks5://127.0.0.1:1055, tailscaled's SOCKS5)."
              + " 'direct' dials from this host.")
  String upstream;

  @Option(
      names = "--no-bootstrap",
      description =
          "Use an upstream that is already running; do not manage tailscaled. (This version does"
              + " not manage tailscaled yet, so this is always the case.)")
  Boolean noBootstrap;

  @Option(
      names = "--allow",
      paramLabel = "RULE",
      description =
          "Admit targets matching RULE (repeatable; replaces the file's list). RULE is HOST[:PORTS]:"
              + " a name, *.suffix, *, an IP, [IPv6], a CIDR or 'tailnet'; PORTS is *, 22, 8000-8100"
              + " or 22,443. Everything else is refused.")
  List<String> allow;

  @Option(
      names = "--log-file",
      paramLabel = "PATH",
      description = "Connection log, one JSON line per connection (default: standard output).")
  String logFile;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      description = "Close tunnels idle this long, e.g. 30s, 5m, 2h; 0 never (default: 1h).")
  String idleTimeout;

  @Option(
      names = "--auth-file",
      paramLabel = "PATH",
      description =
          "Require a username and password (SOCKS5 RFC 1929, HTTP Basic) from this file of"
              + " user:password lines, mode 0600.")
  String authFile;

  @Override
  public Integer call() throws Exception {
    TailgateConfig cfg = TailgateConfig.from(settings());
    PrintWriter err = spec.commandLine().getErr();
    Allowlist allowlist = Allowlist.parse(cfg.rules());
    Credentials credentials = cfg.authFile() == null ? null : loadCredentials(cfg.authFile());
    if (!cfg.noBootstrap()) {
      err.println(
          "tailgate: this version does not manage tailscaled yet; using "
              + cfg.upstream()
              + " as it is");
    }
    if (cfg.allow().isEmpty()) {
      err.println("tailgate: no --allow rules: every target will be refused (deny by default)");
    }
    RelaySettings settings =
        new RelaySettings(
            cfg.listen(),
            RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
            RelaySettings.DEFAULT_DIAL_TIMEOUT,
            cfg.idleTimeout(),
            credentials);
    Transports transport = Transports.best();
    EventLoopGroup group = transport.newGroup(0);
    ConnectionLog log =
        cfg.logFile() == null ? JsonLinesLog.toStdout() : JsonLinesLog.toFile(cfg.logFile());
    UpstreamDialer dialer =
        cfg.upstream().isDirect()
            ? new DirectDialer(transport, settings.dialTimeout())
            : new Socks5Dialer(transport, cfg.upstream().socks5(), settings.dialTimeout());
    RelayServer relay;
    try {
      relay =
          RelayServer.start(settings, allowlist, dialer, UpstreamGate.OPEN, log, group, transport);
    } catch (Exception e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      log.close();
      if (e instanceof BindException || TailgateCommand.oneLine(e).contains("in use")) {
        BindException bind =
            new BindException(
                "cannot listen on "
                    + HostPort.format(cfg.listen())
                    + ": "
                    + TailgateCommand.oneLine(e)
                    + " (is another tailgate running? pick another --listen)");
        bind.initCause(e);
        throw bind;
      }
      throw e;
    }
    err.printf(
        "tailgate: relay on %s (socks5, socks4a, http connect) -> %s, %d allow rule(s), %s transport%n",
        HostPort.format(relay.address()),
        dialer.describe(),
        cfg.allow().size(),
        transport.name().toLowerCase(java.util.Locale.ROOT));
    err.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              relay.close();
              group
                  .shutdownGracefully(0, 2, TimeUnit.SECONDS)
                  .awaitUninterruptibly(5, TimeUnit.SECONDS);
              if (dialer instanceof AutoCloseable c) {
                try {
                  c.close();
                } catch (Exception ignored) {
                  // Shutting down: nothing to do about it.
                }
              }
              log.close();
              stopped.countDown();
            },
            "tailgate-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
    return ExitCodes.OK;
  }

  private ConfigValues settings() throws ConfigException {
    ConfigValues flags = new ConfigValues();
    flags.listen = listen;
    flags.upstream = upstream;
    flags.noBootstrap = noBootstrap;
    flags.allow =
        allow == null ? null : allow.stream().map(r -> new Located(r, "--allow", 0)).toList();
    flags.logFile = logFile;
    flags.idleTimeout = idleTimeout;
    flags.authFile = authFile;
    ConfigValues file = config == null ? new ConfigValues() : ConfigFile.read(config);
    return file.overlaidWith(flags);
  }

  private static Credentials loadCredentials(Path file) throws ConfigException {
    try {
      return Credentials.load(file);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("auth-file: " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new ConfigException("auth-file: cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
