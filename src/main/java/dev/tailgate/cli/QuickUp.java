package dev.tailgate.cli;

import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.Located;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code tailgate up} with a plain command line, read without picocli: picocli's classes are built
 * for Java 5, so class-data sharing cannot archive them, and loading and verifying them and
 * building the model takes about 70 ms, on the way from exec to tailscaled's spawn
 * (docs/performance.md, "Start-up"), and even reading picocli's annotations costs about 15 ms (a
 * proxy class generated per annotation type). So the options are read here from the settings table
 * ({@link ConfigValues#types}: each setting is {@code --KEY}, of its field's kind), and {@code
 * QuickUpTest} checks that table against {@link UpCommand}'s picocli options: every one but {@code
 * --detach}, each read the same way.
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
    up.given = new ConfigValues();
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

  /** {@code --config}, then each setting of {@link ConfigValues#types} as {@code --KEY}. */
  static final Map<String, Kind> KINDS = kinds();

  private static Map<String, Kind> kinds() {
    Map<String, Kind> kinds = new LinkedHashMap<>();
    kinds.put("--config", Kind.PATH);
    ConfigValues.types()
        .forEach(
            (key, type) ->
                kinds.put(
                    "--" + key,
                    type == Integer.class
                        ? Kind.INT
                        : type == Boolean.class
                            ? Kind.FLAG
                            : type == List.class ? Kind.LIST : Kind.STRING));
    return Map.copyOf(kinds);
  }

  /** One option's value, converted as picocli converts it. */
  private static void set(UpCommand up, String name, String value) {
    if (name.equals("--config")) {
      up.config = Path.of(value);
      return;
    }
    String key = name.substring(2);
    ConfigValues flags = up.given;
    switch (KINDS.get(name)) {
      case FLAG -> flags.set(key, Boolean.TRUE);
      case INT -> flags.set(key, Integer.valueOf(value));
      case LIST -> {
        @SuppressWarnings("unchecked")
        List<Located> list = (List<Located>) flags.get(key);
        List<Located> more = list == null ? new ArrayList<>() : new ArrayList<>(list);
        more.add(new Located(value, name, 0));
        flags.set(key, more);
      }
      default -> flags.set(key, value);
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
