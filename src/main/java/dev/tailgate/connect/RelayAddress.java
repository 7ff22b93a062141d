package dev.tailgate.connect;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the relay listens, first found wins: {@code --proxy}, then {@code $TAILGATE_PROXY}, then
 * the relay in the run-state file of a live {@code tailgate up} (its Unix socket when it has one
 * this user may open, else its TCP address), then 127.0.0.1:1080.
 *
 * @param text the address as written, {@code HOST:PORT} or {@code [IPV6]:PORT}, or the absolute
 *     path of a relay's Unix-domain socket ({@code listen-unix})
 * @param source where it came from, for error messages
 */
public record RelayAddress(String text, String source) {
  static final String DEFAULT = "127.0.0.1:1080";

  /** The relay's address: {@code proxyOption} if given, else the first of the others found. */
  public static RelayAddress find(String proxyOption) {
    if (proxyOption != null) {
      return new RelayAddress(proxyOption, "--proxy");
    }
    String env = System.getenv("TAILGATE_PROXY");
    if (env != null && !env.isBlank()) {
      return new RelayAddress(env.strip(), "TAILGATE_PROXY");
    }
    String running = fromRunState(runStateFile());
    if (running != null) {
      return new RelayAddress(running, "the running tailgate");
    }
    return new RelayAddress(DEFAULT, "the default");
  }

  /**
   * The run-state file that {@code tailgate up} writes (gateway.RunState): {@code
   * $TAILGATE_RUN_DIR}, else {@code $XDG_STATE_HOME/tailgate/run}, else {@code
   * ~/.local/state/tailgate/run}. The same rule as gateway.RunState and config.TailgateConfig,
   * repeated here so as not to load them.
   */
  static Path runStateFile() {
    String run = System.getenv("TAILGATE_RUN_DIR");
    if (run != null && !run.isBlank()) {
      return Path.of(run, "status.json");
    }
    String xdg = System.getenv("XDG_STATE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".local", "state");
    return base.resolve("tailgate").resolve("run").resolve("status.json");
  }

  /**
   * The relay of a run-state file whose {@code pid} is alive, or null: its {@code relay_unix} when
   * this user may open that socket (a listen queue of its own, and the kernel names the client to
   * the relay), else its {@code relay}. Read as JSON ({@link TopLevelJson}, the JDK only), at most
   * {@link TopLevelJson#MAX_CHARS} characters of it.
   */
  static String fromRunState(Path file) {
    Map<String, String> state;
    try {
      if (Files.size(file) > TopLevelJson.MAX_CHARS) {
        return null;
      }
      state = TopLevelJson.read(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    String pid = state.get("pid");
    String relay = state.get("relay");
    if (pid == null || relay == null) {
      return null;
    }
    try {
      if (ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
        return null;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    String unix = state.get("relay_unix");
    return unix != null && mayOpen(unix) ? unix : relay;
  }

  /** Whether this process may connect to the Unix socket at {@code path}: it needs write access. */
  private static boolean mayOpen(String path) {
    try {
      Path socket = Path.of(path);
      return socket.isAbsolute() && Files.isWritable(socket);
    } catch (RuntimeException e) {
      return false; // not a path on this file system
    }
  }

  /**
   * The socket address: an IP literal or {@code localhost}; other names are resolved.
   *
   * @throws IllegalArgumentException with a message naming the source when it is not HOST:PORT
   */
  InetSocketAddress resolve() {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException(
          "the relay address '" + text + "' (from " + source + ") is not HOST:PORT");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "the relay address '" + text + "' (from " + source + ") has no valid port");
    }
    return new InetSocketAddress(host, port);
  }

  /**
   * Whether this is a Unix-domain socket's path: it starts with {@code /}, as no HOST:PORT does.
   */
  boolean isPath() {
    return text.startsWith("/");
  }

  Path path() {
    return Path.of(text);
  }

  @Override
  public String toString() {
    return text;
  }
}
