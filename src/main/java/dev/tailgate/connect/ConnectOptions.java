package dev.tailgate.connect;

/**
 * What {@code tailgate connect} was asked to do.
 *
 * @param host the target as ssh's {@code %h} gives it: a name (sent unresolved) or an address
 * @param port the target port, ssh's {@code %p}, as written (checked by {@link Connect})
 * @param proxy {@code --proxy HOST:PORT}, or null
 * @param start whether to start {@code tailgate up --detach} once when no relay answers
 * @param config the {@code --config FILE} that such a start passes on, or null
 * @param credentials {@code --credentials FILE}: the user:password line for a relay that asks, or
 *     null ({@code $TAILGATE_PROXY_CREDENTIALS} then, or none)
 * @param tag {@code --tag TEXT}: what the relay's log says the connection is for (e.g. the Ansible
 *     host and play), sent in the SOCKS5 username ({@link dev.tailgate.base.ClientTag}), or null
 */
public record ConnectOptions(
    String host,
    String port,
    String proxy,
    boolean start,
    String config,
    String credentials,
    String tag) {

  /** Options without credentials. */
  public ConnectOptions(String host, String port, String proxy, boolean start, String config) {
    this(host, port, proxy, start, config, null);
  }

  /** Options without a tag. */
  public ConnectOptions(
      String host, String port, String proxy, boolean start, String config, String credentials) {
    this(host, port, proxy, start, config, credentials, null);
  }

  /**
   * The quick parser of the common command lines, so that picocli need not load: {@code [--proxy
   * HOST:PORT] [--start|--no-start] [--config FILE] [--credentials FILE] [--tag TEXT] [--] HOST
   * PORT}, options also as {@code --name=value}, each at most once. Returns null for anything else
   * (help, version, an unknown, repeated or missing argument, a value that starts with {@code -}):
   * picocli then handles the command line and its errors, so help and messages come from one place.
   * {@code ConnectCommandLineTest} holds the two to the same reading of every line this takes.
   */
  public static ConnectOptions parse(String[] args, int from) {
    String host = null;
    String port = null;
    String proxy = null;
    String config = null;
    String credentials = null;
    String tag = null;
    Boolean start = null;
    boolean options = true;
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (options && a.startsWith("-")) {
        int eq = a.indexOf('=');
        String name = eq < 0 ? a : a.substring(0, eq);
        String value = eq < 0 ? null : a.substring(eq + 1);
        if (a.equals("--")) {
          options = false;
          continue;
        }
        if (name.equals("--start") || name.equals("--no-start")) {
          if (value != null || start != null) {
            return null; // picocli: a flag takes no value here, and comes once
          }
          start = name.equals("--start");
          continue;
        }
        if (!name.equals("--proxy")
            && !name.equals("--config")
            && !name.equals("--credentials")
            && !name.equals("--tag")) {
          return null;
        }
        if (value == null) {
          if (++i >= args.length) {
            return null;
          }
          value = args[i];
        }
        if (value.startsWith("-")) {
          return null;
        }
        switch (name) {
          case "--proxy" -> {
            if (proxy != null) {
              return null;
            }
            proxy = value;
          }
          case "--config" -> {
            if (config != null) {
              return null;
            }
            config = value;
          }
          case "--tag" -> {
            if (tag != null) {
              return null;
            }
            tag = value;
          }
          default -> {
            if (credentials != null) {
              return null;
            }
            credentials = value;
          }
        }
      } else if (host == null) {
        host = a;
      } else if (port == null) {
        port = a;
      } else {
        return null;
      }
    }
    if (port == null) {
      return null;
    }
    return new ConnectOptions(
        host, port, proxy, Boolean.TRUE.equals(start), config, credentials, tag);
  }
}
