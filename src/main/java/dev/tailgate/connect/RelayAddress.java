package dev.tailgate.connect;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the relay listens, first found wins: {@code --proxy}, then {@code $TAILGATE_PROXY}, then
 * the relay address in the run-state file of a live {@code tailgate up}, then 127.0.0.1:1080.
 *
 * @param text the address as written, {@code HOST:PORT} or {@code [IPV6]:PORT}
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
   * The run-state file that {@code tailgate up} writes (cli.RunState): {@code $TAILGATE_RUN_DIR},
   * else {@code $XDG_STATE_HOME/tailgate/run}, else {@code ~/.local/state/tailgate/run}. The same
   * rule as cli.RunState and config.TailgateConfig, repeated here so as not to load them.
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
   * The {@code relay} of a run-state file whose {@code pid} is alive, or null. Read with string
   * search, not a JSON parser: the file is tailgate's own, flat, and written by Jackson.
   */
  static String fromRunState(Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    String pid = field(json, "pid");
    String relay = field(json, "relay");
    if (pid == null || relay == null) {
      return null;
    }
    try {
      return ProcessHandle.of(Long.parseLong(pid)).isPresent() ? relay : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The value of a top-level string or number field, without quotes; null if absent. */
  static String field(String json, String name) {
    int key = json.indexOf("\"".concat(name).concat("\""));
    if (key < 0) {
      return null;
    }
    int i = json.indexOf(':', key + name.length() + 2);
    if (i < 0) {
      return null;
    }
    i++;
    while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
      i++;
    }
    if (i >= json.length()) {
      return null;
    }
    if (json.charAt(i) == '"') {
      int end = json.indexOf('"', i + 1);
      return end < 0 ? null : json.substring(i + 1, end);
    }
    int end = i;
    while (end < json.length()
        && (Character.isDigit(json.charAt(end)) || json.charAt(end) == '-')) {
      end++;
    }
    return end > i ? json.substring(i, end) : null;
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

  @Override
  public String toString() {
    return text;
  }
}
