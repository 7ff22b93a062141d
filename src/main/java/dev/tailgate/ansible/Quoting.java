package dev.tailgate.ansible;

import java.util.regex.Pattern;

/** Quoting for the three languages a ProxyCommand passes through: sh, shlex and YAML. */
final class Quoting {
  /** Characters that need no quoting in a POSIX shell word. */
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  private Quoting() {}

  /**
   * One word for {@code sh -c}, which is how ssh runs a ProxyCommand: unchanged when safe, else in
   * single quotes (a single quote inside becomes {@code '\''}).
   */
  static String shellWord(String word) {
    if (SHELL_SAFE.matcher(word).matches()) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /**
   * One argument for Python's {@code shlex.split}, which Ansible applies to {@code
   * ansible_ssh_common_args}: in double quotes (backslash and double quote escaped), the usual look
   * of {@code -o ProxyCommand="..."}.
   */
  static String shlexArgument(String arg) {
    return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** One word for shlex: as it is when nothing in it needs quoting, else {@link #shlexArgument}. */
  static String shlexWord(String word) {
    return SHELL_SAFE.matcher(word).matches() ? word : shlexArgument(word);
  }

  /** A YAML single-quoted scalar: no escapes but a doubled single quote. */
  static String yamlSingleQuoted(String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a line break cannot be part of a ProxyCommand");
    }
    return "'" + value.replace("'", "''") + "'";
  }
}
