package dev.tailgate.config;

import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.RuleSyntaxException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
 */
public record TailgateConfig(
    InetSocketAddress listen,
    Upstream upstream,
    boolean noBootstrap,
    List<Located> allow,
    Path logFile,
    Duration idleTimeout,
    Path authFile) {

  public static final String DEFAULT_LISTEN = "127.0.0.1:1080";
  public static final String DEFAULT_IDLE_TIMEOUT = "1h";

  /** Validates {@code v} and applies the defaults; every rule is checked where it was written. */
  public static TailgateConfig from(ConfigValues v) throws ConfigException {
    InetSocketAddress listen =
        HostPort.parse(v.listen != null ? v.listen : DEFAULT_LISTEN, "listen");
    Upstream upstream =
        Upstream.parse(v.upstream != null ? v.upstream : Upstream.DEFAULT, "upstream");
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
            v.idleTimeout != null ? v.idleTimeout : DEFAULT_IDLE_TIMEOUT, "idle-timeout");
    Path authFile = v.authFile != null ? Path.of(v.authFile) : null;
    if (authFile == null && !listen.getAddress().isLoopbackAddress()) {
      throw new ConfigException(
          "listen: refusing to serve "
              + HostPort.format(listen)
              + " without authentication (an open proxy into the tailnet): set auth-file, or"
              + " listen on 127.0.0.1");
    }
    return new TailgateConfig(
        listen,
        upstream,
        Boolean.TRUE.equals(v.noBootstrap),
        allow,
        v.logFile != null ? Path.of(v.logFile) : null,
        idle,
        authFile);
  }

  /** The rule texts in order. */
  public List<String> rules() {
    return allow.stream().map(Located::value).toList();
  }
}
