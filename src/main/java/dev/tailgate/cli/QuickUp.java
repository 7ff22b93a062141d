package dev.tailgate.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code tailgate up} with a plain command line, read without picocli: picocli's classes are built
 * for Java 5, so class-data sharing cannot archive them, and loading and verifying them and
 * building the model takes about 70 ms, on the way from exec to tailscaled's spawn
 * (docs/performance.md, "Start-up"), and even reading picocli's annotations costs about 15 ms (a
 * proxy class generated per annotation type). So the options are listed here again, by name and
 * kind, and {@code QuickUpTest} checks the list against {@link UpCommand}'s picocli options: every
 * one but {@code --detach}, each read the same way.
 *
 * <p>Only what this reads exactly as picocli would is taken: long options as {@code --name VALUE}
 * or {@code --name=VALUE}, flags bare, each single-valued option once. Anything else (help,
 * version, {@code --debug}, {@code --detach}, an unknown or repeated option, a missing value or one
 * that starts with {@code -} (attached or not), a flag given a value, an integer with a sign or a
 * leading zero) makes {@link #parse} return null, and picocli reads the line: its help and its
 * error messages stay the only ones. {@code QuickUpTest} holds the two parsers to the same result.
 */
final class QuickUp {
  /** Integers as picocli converts them whatever its converter: plain decimal, no sign or zeros. */
  private static final Pattern PLAIN_INT = Pattern.compile("0|[1-9][0-9]{0,8}");

  private QuickUp() {}

  /**
   * The command {@code args} (whose first word is {@code up}) describe, or null when picocli should
   * read them.
   */
  static UpCommand parse(String[] args) {
    if (args.length == 0 || !args[0].equals("up")) {
      return null;
    }
    UpCommand up = new UpCommand();
    Set<String> seen = new HashSet<>();
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg : arg.substring(0, eq);
      Kind kind = KINDS.get(name);
      if (kind == null || !arg.startsWith("--")) {
        return null;
      }
      if (!seen.add(name) && kind != Kind.LIST) {
        return null; // picocli says "should be specified only once"
      }
      String value = null;
      if (kind == Kind.FLAG) {
        if (eq >= 0) {
          return null;
        }
      } else if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      }
      if (kind != Kind.FLAG
          && (value == null
              || value.startsWith("-")
              || (kind == Kind.INT && !PLAIN_INT.matcher(value).matches()))) {
        return null;
      }
      set(up, name, value);
    }
    return up;
  }

  /**
   * How each option of {@link UpCommand} takes its value; QuickUpTest checks it against picocli.
   */
  enum Kind {
    STRING,
    PATH,
    INT,
    LIST,
    FLAG
  }

  static final Map<String, Kind> KINDS =
      Map.ofEntries(
          Map.entry("--config", Kind.PATH),
          Map.entry("--listen", Kind.STRING),
          Map.entry("--upstream", Kind.STRING),
          Map.entry("--no-bootstrap", Kind.FLAG),
          Map.entry("--allow", Kind.LIST),
          Map.entry("--log-file", Kind.STRING),
          Map.entry("--idle-timeout", Kind.STRING),
          Map.entry("--auth-file", Kind.STRING),
          Map.entry("--admin", Kind.STRING),
          Map.entry("--max-connections", Kind.INT),
          Map.entry("--max-per-client", Kind.INT),
          Map.entry("--max-handshakes", Kind.INT),
          Map.entry("--max-waiting", Kind.INT),
          Map.entry("--close-denied-on-reload", Kind.FLAG),
          Map.entry("--tailscaled", Kind.STRING),
          Map.entry("--tailscale", Kind.STRING),
          Map.entry("--state-dir", Kind.STRING),
          Map.entry("--socket", Kind.STRING),
          Map.entry("--auth-key", Kind.STRING),
          Map.entry("--hostname", Kind.STRING),
          Map.entry("--login-server", Kind.STRING),
          Map.entry("--tailscaled-log", Kind.STRING));

  /** One option's value, converted as picocli converts it. */
  private static void set(UpCommand up, String name, String value) {
    switch (name) {
      case "--config" -> up.config = Path.of(value);
      case "--listen" -> up.listen = value;
      case "--upstream" -> up.upstream = value;
      case "--no-bootstrap" -> up.noBootstrap = Boolean.TRUE;
      case "--allow" -> {
        if (up.allow == null) {
          up.allow = new ArrayList<>();
        }
        up.allow.add(value);
      }
      case "--log-file" -> up.logFile = value;
      case "--idle-timeout" -> up.idleTimeout = value;
      case "--auth-file" -> up.authFile = value;
      case "--admin" -> up.admin = value;
      case "--max-connections" -> up.maxConnections = Integer.valueOf(value);
      case "--max-per-client" -> up.maxPerClient = Integer.valueOf(value);
      case "--max-handshakes" -> up.maxHandshakes = Integer.valueOf(value);
      case "--max-waiting" -> up.maxWaiting = Integer.valueOf(value);
      case "--close-denied-on-reload" -> up.closeDeniedOnReload = Boolean.TRUE;
      case "--tailscaled" -> up.tailscaled = value;
      case "--tailscale" -> up.tailscale = value;
      case "--state-dir" -> up.stateDir = value;
      case "--socket" -> up.socket = value;
      case "--auth-key" -> up.authKey = value;
      case "--hostname" -> up.hostname = value;
      case "--login-server" -> up.loginServer = value;
      case "--tailscaled-log" -> up.tailscaledLog = value;
      default -> throw new IllegalArgumentException("not an option QuickUp reads: " + name);
    }
  }

  /** Runs the command as picocli's {@code execute} would: its exit code, errors as one line. */
  static int run(UpCommand up) {
    PrintWriter err =
        new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
    up.err = err;
    try {
      return up.call();
    } catch (Exception e) {
      return TailgateCommand.failed(e, err);
    }
  }
}
