package dev.tailgate.config;

import dev.tailgate.keys.AuthKeySource;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.RuleSyntaxException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validated settings of {@code tailgate up}, defaults applied.
 *
 * @param listen the relay's address
 * @param upstream tailscaled's SOCKS5 or direct
 * @param noBootstrap use the upstream as it is, without managing tailscaled
 * @param allow the allowlist rules with where each was written
 * @param logFile the connection log, or {@code null} for standard output
 * @param idleTimeout idle tunnels are closed after this; zero disables
 * @param authFile the {@code user:password} file, or {@code null} for no authentication
 * @param daemon how to run tailscaled, when tailgate manages it
 * @param admin the admin listener (health, metrics, PAC, status page), or {@code null} when off
 * @param limits connections in all, per client address, and in handshake
 * @param maxWaiting clients held at once while tailscaled recovers
 * @param closeDeniedOnReload a reload closes established tunnels its new allowlist refuses
 * @param allowlistMode {@code enforce} refuses what no rule admits; {@code report} lets it through
 *     and logs it as {@code would_deny} (built-in refusals stay refusals)
 * @param listenUnix the relay's second listener, on a Unix-domain socket, or {@code null} for none
 */
public record TailgateConfig(
    InetSocketAddress listen,
    Upstream upstream,
    boolean noBootstrap,
    List<Located> allow,
    Path logFile,
    Duration idleTimeout,
    Path authFile,
    Daemon daemon,
    InetSocketAddress admin,
    Limits limits,
    int maxWaiting,
    boolean closeDeniedOnReload,
    Allowlist.Mode allowlistMode,
    UnixListener listenUnix) {

  /**
   * A listener on a Unix-domain socket: whoever may open the file may connect.
   *
   * @param path an absolute path of at most {@value #MAX_UNIX_PATH_BYTES} bytes
   * @param mode the socket file's permissions: 0600 (tailgate's user) or 0660 (its group too)
   */
  public record UnixListener(Path path, Set<PosixFilePermission> mode) {
    public UnixListener {
      mode = Set.copyOf(mode);
    }
  }

  /** What the kernel takes as a socket's path (sun_path, less its NUL). */
  static final int MAX_UNIX_PATH_BYTES = 107;

  public static final String DEFAULT_LISTEN_UNIX_MODE = "0600";

  /**
   * The tailscaled settings.
   *
   * @param tailscaled the daemon binary: a path, or a name looked up on PATH
   * @param tailscale the CLI binary, likewise
   * @param stateDir tailscaled's --statedir (0700, kept across restarts: it holds the node key)
   * @param socket the LocalAPI socket
   * @param authKey the key source spec ({@code env:}, {@code file:}, {@code bw:}, {@code bws:}), or
   *     {@code null}: print the login URL instead
   * @param hostname the node's name, or {@code null} for tailscaled's default
   * @param loginServer a control server other than Tailscale's, or {@code null}
   * @param log where tailscaled's output goes
   * @param advertiseTags ACL tags the node asks for ({@code tag:a}), maybe none
   * @param ephemeral tailscaled keeps its state in memory ({@code --state=mem:}): an ephemeral node
   */
  public record Daemon(
      String tailscaled,
      String tailscale,
      Path stateDir,
      Path socket,
      String authKey,
      String hostname,
      String loginServer,
      Path log,
      List<String> advertiseTags,
      boolean ephemeral) {
    public Daemon {
      advertiseTags = List.copyOf(advertiseTags);
    }
  }

  /** An ACL tag as Tailscale spells it: {@code tag:} then a letter, letters, digits or '-'. */
  private static final Pattern TAG = Pattern.compile("tag:[A-Za-z][A-Za-z0-9-]{0,62}");

  public static final String DEFAULT_SOCKET = "/var/run/tailscale/tailscaled.sock";

  /** {@code tag:a,tag:b} as a list, each checked; none for null or blank. */
  private static List<String> tags(String text, String label) throws ConfigException {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    List<String> tags = new ArrayList<>();
    for (String tag : text.split(",", -1)) {
      String t = tag.strip();
      if (!TAG.matcher(t).matches()) {
        throw new ConfigException(
            label
                + ": '"
                + t
                + "' is not an ACL tag (tag: then a letter, then letters, digits or '-')");
      }
      if (!tags.contains(t)) {
        tags.add(t);
      }
    }
    return List.copyOf(tags);
  }

  /** tailgate's own state: $XDG_STATE_HOME/tailgate, or ~/.local/state/tailgate. */
  public static Path stateHome() {
    String xdg = System.getenv("XDG_STATE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "state");
    return base.resolve("tailgate");
  }

  public static final String DEFAULT_LISTEN = "127.0.0.1:1080";
  public static final String DEFAULT_IDLE_TIMEOUT = "1h";
  public static final String DEFAULT_ADMIN = "127.0.0.1:1081";

  /** Clients held at once while tailscaled recovers (the supervisor's default). */
  public static final int DEFAULT_MAX_WAITING = 1000;

  /** Validates {@code v} and applies the defaults; every rule is checked where it was written. */
  public static TailgateConfig from(ConfigValues v) throws ConfigException {
    InetSocketAddress listen =
        HostPort.parse(v.listen != null ? v.listen : DEFAULT_LISTEN, v.label("listen"));
    Upstream upstream =
        Upstream.parse(v.upstream != null ? v.upstream : Upstream.DEFAULT, v.label("upstream"));
    List<Located> allow = v.allow != null ? List.copyOf(v.allow) : List.of();
    for (Located rule : allow) {
      try {
        Allowlist.parse(List.of(rule.value()));
      } catch (RuleSyntaxException e) {
        throw new ConfigException(rule.where() + ": " + e.getMessage(), e);
      }
    }
    Duration idle =
        Durations.parse(
            v.idleTimeout != null ? v.idleTimeout : DEFAULT_IDLE_TIMEOUT, v.label("idle-timeout"));
    Path authFile = v.authFile != null ? path(v.authFile) : null;
    if (authFile == null && !listen.getAddress().isLoopbackAddress()) {
      throw new ConfigException(
          v.label("listen")
              + ": refusing to serve "
              + HostPort.format(listen)
              + " without authentication (an open proxy into the tailnet): set auth-file, or"
              + " listen on 127.0.0.1");
    }
    String adminText = v.admin != null ? v.admin : DEFAULT_ADMIN;
    InetSocketAddress admin =
        adminText.equals("off") ? null : HostPort.parse(adminText, v.label("admin"));
    if (admin != null && authFile == null && !admin.getAddress().isLoopbackAddress()) {
      throw new ConfigException(
          v.label("admin")
              + ": refusing to serve "
              + HostPort.format(admin)
              + " without authentication: set auth-file, or keep the admin listener on 127.0.0.1");
    }
    boolean noBootstrap = Boolean.TRUE.equals(v.noBootstrap);
    if (!noBootstrap && upstream.isDirect()) {
      throw new ConfigException(
          v.label("upstream")
              + ": 'direct' bypasses tailscaled, so there is nothing to bootstrap: add"
              + " no-bootstrap (--no-bootstrap)");
    }
    if (v.loginServer != null && !v.loginServer.matches("https?://[^\\s]+")) {
      throw new ConfigException(v.label("login-server") + ": expected an http:// or https:// URL");
    }
    if (v.hostname != null && !v.hostname.matches("[A-Za-z0-9][A-Za-z0-9-]{0,62}")) {
      throw new ConfigException(
          v.label("hostname")
              + ": '"
              + v.hostname
              + "' is not a host name (letters, digits, hyphens; at most 63)");
    }
    List<String> tags = tags(v.advertiseTags, v.label("advertise-tags"));
    if (v.authKey != null) {
      try {
        AuthKeySource.parse(v.authKey); // the form only: nothing is read until a login needs it
      } catch (IllegalArgumentException e) {
        throw new ConfigException(v.label("auth-key") + ": " + e.getMessage(), e);
      }
    }
    Path stateDir = v.stateDir != null ? path(v.stateDir) : stateHome().resolve("tailscaled");
    Daemon daemon =
        new Daemon(
            v.tailscaled != null ? v.tailscaled : "tailscaled",
            v.tailscale != null ? v.tailscale : "tailscale",
            stateDir,
            path(v.socket != null ? v.socket : DEFAULT_SOCKET),
            v.authKey,
            v.hostname,
            v.loginServer,
            v.tailscaledLog != null ? path(v.tailscaledLog) : besideState(stateDir),
            tags,
            Boolean.TRUE.equals(v.ephemeral));
    return new TailgateConfig(
        listen,
        upstream,
        noBootstrap,
        allow,
        v.logFile != null ? path(v.logFile) : null,
        idle,
        authFile,
        daemon,
        admin,
        new Limits(
            limit(v.maxConnections, Limits.DEFAULT.connections(), v.label("max-connections")),
            limit(v.maxPerClient, Limits.DEFAULT.perClient(), v.label("max-per-client")),
            limit(v.maxHandshakes, Limits.DEFAULT.handshakes(), v.label("max-handshakes")),
            limit(
                v.maxHandshakesPerClient,
                Limits.DEFAULT.perClientHandshakes(),
                v.label("max-handshakes-per-client")),
            identity(v.clientIdentity, v.label("client-identity"))),
        limit(v.maxWaiting, DEFAULT_MAX_WAITING, v.label("max-waiting")),
        Boolean.TRUE.equals(v.closeDeniedOnReload),
        mode(v.allowlistMode, v.label("allowlist-mode")),
        unixListener(v));
  }

  private static UnixListener unixListener(ConfigValues v) throws ConfigException {
    if (v.listenUnix == null) {
      if (v.listenUnixMode != null) {
        throw new ConfigException(
            v.label("listen-unix-mode") + ": applies to listen-unix, which is not set");
      }
      return null;
    }
    Path path = path(v.listenUnix);
    if (!path.isAbsolute()) {
      throw new ConfigException(
          v.label("listen-unix") + ": '" + v.listenUnix + "' is not an absolute path");
    }
    if (path.toString().getBytes(StandardCharsets.UTF_8).length > MAX_UNIX_PATH_BYTES) {
      throw new ConfigException(
          v.label("listen-unix")
              + ": the path is longer than "
              + MAX_UNIX_PATH_BYTES
              + " bytes, the kernel's limit for a socket");
    }
    String mode = v.listenUnixMode != null ? v.listenUnixMode : DEFAULT_LISTEN_UNIX_MODE;
    String perms =
        switch (mode) {
          case "0600", "600" -> "rw-------";
          case "0660", "660" -> "rw-rw----";
          default ->
              throw new ConfigException(
                  v.label("listen-unix-mode")
                      + ": '"
                      + mode
                      + "' is not 0600 (tailgate's user only) or 0660 (its group too)");
        };
    return new UnixListener(path.normalize(), PosixFilePermissions.fromString(perms));
  }

  private static Allowlist.Mode mode(String value, String key) throws ConfigException {
    try {
      return value == null ? Allowlist.Mode.ENFORCE : Allowlist.Mode.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ": " + e.getMessage(), e);
    }
  }

  private static Limits.ClientIdentity identity(String value, String key) throws ConfigException {
    if (value == null) {
      return Limits.DEFAULT.identity();
    }
    for (Limits.ClientIdentity i : Limits.ClientIdentity.values()) {
      if (i.name().equalsIgnoreCase(value)) {
        return i;
      }
    }
    throw new ConfigException(key + ": " + value + " is not one of uid, process, address");
  }

  private static int limit(Integer value, int fallback, String key) throws ConfigException {
    if (value == null) {
      return fallback;
    }
    if (value < 1 || value > 1_000_000) {
      throw new ConfigException(key + ": " + value + " is out of range 1-1000000");
    }
    return value;
  }

  /** A path as written, with a leading {@code ~/} meaning the home directory, as in a shell. */
  /**
   * tailscaled's log goes with the state it serves, so that two gateways of one user do not share
   * one: beside a state dir named {@code tailscaled} (the default's layout, giving
   * ~/.local/state/tailgate/tailscaled.log), else inside it.
   */
  static Path besideState(Path stateDir) {
    return "tailscaled".equals(String.valueOf(stateDir.getFileName()))
            && stateDir.getParent() != null
        ? stateDir.resolveSibling("tailscaled.log")
        : stateDir.resolve("tailscaled.log");
  }

  static Path path(String value) {
    return value.startsWith("~/")
        ? Path.of(System.getProperty("user.home"), value.substring(2))
        : Path.of(value);
  }

  /** The rule texts in order. */
  public List<String> rules() {
    return allow.stream().map(Located::value).toList();
  }
}
