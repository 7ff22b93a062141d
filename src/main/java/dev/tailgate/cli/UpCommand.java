package dev.tailgate.cli;

import dev.tailgate.config.ConfigException;
import dev.tailgate.config.ConfigFile;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.Located;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.gateway.Detach;
import dev.tailgate.gateway.Gateway;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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

  /** Where errors go when {@link QuickUp} ran this without picocli (then {@link #spec} is null). */
  PrintWriter err;

  /**
   * The settings {@link QuickUp} read from the flags, or null when picocli read them into the
   * option fields below.
   */
  ConfigValues given;

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
      names = "--listen-unix",
      paramLabel = "PATH",
      description =
          "Also listen on a Unix-domain socket at PATH (absolute), for the same protocols; its file"
              + " mode decides who may connect (Linux, epoll).")
  String listenUnix;

  @Option(
      names = "--listen-unix-mode",
      paramLabel = "0600|0660",
      description =
          "The --listen-unix socket's mode: 0600, tailgate's user only (default), or 0660, its"
              + " group too.")
  String listenUnixMode;

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
          "Use an upstream that is already running; do not start, log in or restart tailscaled.")
  Boolean noBootstrap;

  @Option(
      names = "--allow",
      paramLabel = "RULE",
      description =
          "Admit targets matching RULE (repeatable; replaces the file's list). RULE is HOST[:PORTS]:"
              + " a name, *.suffix, *, an IP, [IPv6], a CIDR or 'tailnet'; PORTS is *, 22, 8000-8100"
              + " or 22,443; then optionally 'via direct' and 'from uid N[,N...]'. Everything else"
              + " is refused.")
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

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT|off",
      description =
          "Admin listener: /healthz, /metrics, /proxy.pac and a status page (default: "
              + TailgateConfig.DEFAULT_ADMIN
              + "). A non-loopback address needs --auth-file.")
  String admin;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "Client connections open at once; more are refused (default: 10000).")
  Integer maxConnections;

  @Option(
      names = "--max-per-client",
      paramLabel = "N",
      description =
          "Connections open at once from one client: one address, or one uid or process on"
              + " loopback (see --client-identity) (default: 10000).")
  Integer maxPerClient;

  @Option(
      names = "--max-handshakes",
      paramLabel = "N",
      description =
          "Connections still in their handshake; more are closed at once (default: 1000).")
  Integer maxHandshakes;

  @Option(
      names = "--max-handshakes-per-client",
      paramLabel = "N",
      description =
          "Handshakes in progress from one client; more are refused, so that one local process"
              + " cannot use up --max-handshakes (default: 250).")
  Integer maxHandshakesPerClient;

  @Option(
      names = "--client-identity",
      paramLabel = "uid|process|address",
      description =
          "What counts as one client on loopback for the per-client limits: its uid (default;"
              + " the kernel's owner of the client's socket, by netlink sock_diag), its process, or"
              + " its address (all local clients are then one, 127.0.0.1).")
  String clientIdentity;

  @Option(
      names = "--max-waiting",
      paramLabel = "N",
      description =
          "Clients held at once while tailscaled recovers; more are refused (default: 1000).")
  Integer maxWaiting;

  @Option(
      names = "--close-denied-on-reload",
      description =
          "On a reload (SIGHUP, `tailgate reload` or a change to the --config file), also close"
              + " established tunnels the new allowlist refuses (default: they stay up).")
  Boolean closeDeniedOnReload;

  @Option(
      names = "--allowlist-mode",
      paramLabel = "enforce|report",
      description =
          "enforce (default) refuses what no --allow rule admits; report lets it through and logs"
              + " it as would_deny, to roll out new rules (loopback, link-local and metadata"
              + " targets stay refused). Reloadable.")
  String allowlistMode;

  @Option(
      names = "--tailscaled",
      paramLabel = "PATH",
      description = "The tailscaled binary (default: found on PATH).")
  String tailscaled;

  @Option(
      names = "--tailscale",
      paramLabel = "PATH",
      description = "The tailscale CLI (default: found on PATH).")
  String tailscale;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "tailscaled's state (node key), kept across restarts, mode 0700 (default: ~/.local/state/tailgate/tailscaled).")
  String stateDir;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      description =
          "tailscaled's LocalAPI socket (default: " + TailgateConfig.DEFAULT_SOCKET + ").")
  String socket;

  @Option(
      names = "--auth-key",
      paramLabel = "SOURCE",
      description =
          "Where the pre-authorized key comes from when a login is needed: env:VAR, file:PATH,"
              + " bw:ITEM, bw:ITEM#FIELD (Bitwarden CLI) or bws:SECRET_ID (Secrets Manager). Never"
              + " the key itself. Without it, tailgate prints the login URL and waits.")
  String authKey;

  @Option(
      names = "--hostname",
      paramLabel = "NAME",
      description = "This node's name in the tailnet.")
  String hostname;

  @Option(
      names = "--login-server",
      paramLabel = "URL",
      description = "A control server other than Tailscale's (e.g. headscale).")
  String loginServer;

  @Option(
      names = "--advertise-tags",
      paramLabel = "TAGS",
      description =
          "ACL tags this node asks for, comma-separated (tag:a,tag:b); an OAuth client secret"
              + " (tskey-client-...) as the key needs them.")
  String advertiseTags;

  @Option(
      names = "--ephemeral",
      description =
          "An ephemeral node: tailscaled keeps its state in memory (--state=mem:), so the node"
              + " leaves the tailnet when it stops; a restart logs in anew with the key.")
  Boolean ephemeral;

  @Option(
      names = "--tailscaled-log",
      paramLabel = "PATH",
      description =
          "tailscaled's output (default: tailscaled.log beside a --state-dir named tailscaled,"
              + " as the default ~/.local/state/tailgate/tailscaled, else in it).")
  String tailscaledLog;

  @Option(
      names = "--detach",
      description =
          "Start in the background and return once the relay is ready; tailgate and tailscaled keep running.")
  boolean detach;

  @Override
  public Integer call() throws Exception {
    TailgateConfig cfg = TailgateConfig.from(settings());
    PrintWriter err = spec == null ? this.err : spec.commandLine().getErr();
    if (detach) {
      OptionalInt exited =
          Detach.start(
              Main.class.getName(), spec.root().commandLine().getParseResult().originalArgs(), err);
      return exited.isEmpty()
          ? ExitCodes.OK
          : exited.getAsInt() == 0 ? ExitCodes.FAILURE : exited.getAsInt();
    }
    Gateway gateway = new Gateway(cfg, config, () -> TailgateConfig.from(settings()), err);
    try {
      gateway.start();
    } catch (Exception e) {
      gateway.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.close();
                  stopped.countDown();
                },
                "tailgate-shutdown"));
    stopped.await();
    return ExitCodes.OK;
  }

  /** The file's settings with the flags' laid over them. */
  ConfigValues settings() throws ConfigException {
    ConfigValues file = config == null ? new ConfigValues() : ConfigFile.read(config);
    return file.overlaidWith(flags());
  }

  /**
   * The settings the flags give: {@link QuickUp}'s, or picocli's option fields, each copied to the
   * setting of its name ({@link ConfigValues#types}; QuickUpTest holds the two to one table).
   */
  ConfigValues flags() {
    if (given != null) {
      return given;
    }
    ConfigValues flags = new ConfigValues();
    for (String key : ConfigValues.types().keySet()) {
      String name = "--" + key;
      Object value = spec.findOption(name).getValue();
      if (value instanceof List<?> list) {
        value = list.stream().map(r -> new Located((String) r, name, 0)).toList();
      }
      flags.set(key, value);
    }
    return flags;
  }
}
