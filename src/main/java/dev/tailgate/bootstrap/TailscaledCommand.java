package dev.tailgate.bootstrap;

import dev.tailgate.keys.Secret;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The command lines that start tailscaled in userspace mode and log it in, as a pure function of
 * the settings (after containerboot, which keeps this apart from running the process).
 *
 * <pre>
 * tailscaled --tun=userspace-networking --socks5-server=HOST:PORT --statedir=DIR [--state=mem:] --socket=PATH [--port=N]
 * tailscale --socket=PATH up --auth-key=file:KEYFILE --timeout=60s --shields-up [--hostname=H] [--login-server=URL] [--advertise-tags=T,T]
 * </pre>
 *
 * @param tailscaled the daemon binary (a bare name is looked up in PATH when run)
 * @param tailscale the CLI binary
 * @param socks5Host where tailscaled's SOCKS5 server listens; an IPv6 literal gets brackets
 * @param socks5Port its port; if it is taken, tailscaled exits
 * @param stateDir tailscaled's --statedir (required by tailscaled: it holds the node key)
 * @param socket the LocalAPI unix socket; the CLI ignores TS_SOCKET, so it is always passed
 * @param port the WireGuard UDP port (0: tailscaled picks); two daemons on a host need distinct
 *     ones
 * @param hostname the node's name in the tailnet
 * @param loginServer a control server other than Tailscale's, e.g. headscale
 * @param advertiseTags ACL tags the node asks for ({@code tag:web}); an OAuth client secret as the
 *     key needs at least one
 * @param ephemeral the node's state stays in memory ({@code --state=mem:}, which tailscaled also
 *     registers as an ephemeral node): control removes it soon after it goes offline, and a restart
 *     logs in anew with the key
 */
public record TailscaledCommand(
    Path tailscaled,
    Path tailscale,
    String socks5Host,
    int socks5Port,
    Path stateDir,
    Path socket,
    OptionalInt port,
    Optional<String> hostname,
    Optional<String> loginServer,
    List<String> advertiseTags,
    boolean ephemeral) {

  /**
   * Bounds {@code tailscale up}, which otherwise waits forever for an unreachable control server.
   * Every {@code up} also asks for shields up: in userspace mode tailscaled hands inbound tailnet
   * connections to the host's 127.0.0.1, where the relay and the admin listener are, and the
   * gateway needs no inbound connection (docs/security.md).
   */
  public static final String UP_TIMEOUT = "60s";

  /** Without tags, not ephemeral. */
  public TailscaledCommand(
      Path tailscaled,
      Path tailscale,
      String socks5Host,
      int socks5Port,
      Path stateDir,
      Path socket,
      OptionalInt port,
      Optional<String> hostname,
      Optional<String> loginServer) {
    this(
        tailscaled,
        tailscale,
        socks5Host,
        socks5Port,
        stateDir,
        socket,
        port,
        hostname,
        loginServer,
        List.of(),
        false);
  }

  public TailscaledCommand {
    advertiseTags = List.copyOf(advertiseTags);
    Objects.requireNonNull(tailscaled, "tailscaled");
    Objects.requireNonNull(tailscale, "tailscale");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(socket, "socket");
    Objects.requireNonNull(port, "port");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(loginServer, "loginServer");
    if (socks5Host == null || socks5Host.isBlank()) {
      throw new IllegalArgumentException("SOCKS5 host must not be blank");
    }
    if (socks5Port < 1 || socks5Port > 65535) {
      throw new IllegalArgumentException("SOCKS5 port must be 1..65535, not " + socks5Port);
    }
    if (port.isPresent() && (port.getAsInt() < 0 || port.getAsInt() > 65535)) {
      throw new IllegalArgumentException("WireGuard port must be 0..65535, not " + port.getAsInt());
    }
    if (hostname.filter(String::isBlank).isPresent()) {
      throw new IllegalArgumentException("hostname must not be blank");
    }
    if (loginServer.filter(url -> !url.matches("https?://\\S+")).isPresent()) {
      throw new IllegalArgumentException("login server must be an http:// or https:// URL");
    }
  }

  /** The tailscaled command line. */
  public List<String> daemon() {
    List<String> args = new ArrayList<>();
    args.add(tailscaled.toString());
    args.add("--tun=userspace-networking");
    args.add("--socks5-server=" + hostPort(socks5Host, socks5Port));
    args.add("--statedir=" + stateDir);
    if (ephemeral) {
      args.add("--state=mem:");
    }
    args.add("--socket=" + socket);
    port.ifPresent(p -> args.add("--port=" + p));
    return List.copyOf(args);
  }

  /**
   * The {@code tailscale up} command line. The key travels as {@code file:}, never in argv.
   *
   * @param authKeyFile a file from {@link Secret#writeToPrivateFile(Path)}
   */
  public List<String> up(Path authKeyFile) {
    List<String> args = new ArrayList<>();
    args.add(tailscale.toString());
    args.add("--socket=" + socket);
    args.add("up");
    args.add("--auth-key=file:" + authKeyFile);
    args.add("--timeout=" + UP_TIMEOUT);
    args.add("--shields-up");
    hostname.ifPresent(h -> args.add("--hostname=" + h));
    loginServer.ifPresent(url -> args.add("--login-server=" + url));
    if (!advertiseTags.isEmpty()) {
      args.add("--advertise-tags=" + String.join(",", advertiseTags));
    }
    return List.copyOf(args);
  }

  /**
   * {@code tailscale up} without a key: it asks the control server for a login URL, prints it, and
   * waits until a person has used it (so it gets no --timeout).
   */
  public List<String> upInteractive() {
    List<String> args = new ArrayList<>();
    args.add(tailscale.toString());
    args.add("--socket=" + socket);
    args.add("up");
    args.add("--shields-up");
    hostname.ifPresent(h -> args.add("--hostname=" + h));
    loginServer.ifPresent(url -> args.add("--login-server=" + url));
    if (!advertiseTags.isEmpty()) {
      args.add("--advertise-tags=" + String.join(",", advertiseTags));
    }
    return List.copyOf(args);
  }

  private static String hostPort(String host, int port) {
    boolean ipv6Literal = host.indexOf(':') >= 0 && !host.startsWith("[");
    return (ipv6Literal ? "[" + host + "]" : host) + ":" + port;
  }
}
