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
 */
public record ConnectOptions(
    String host, String port, String proxy, boolean start, String config, String credentials) {

  /** Options without credentials. */
  public ConnectOptions(String host, String port, String proxy, boolean start, String config) {
    this(host, port, proxy, start, config, null);
  }

  /**
   * The quick parser of the common command lines, so that picocli need not load: {@code [--proxy
   * HOST:PORT] [--start|--no-start] [--config FILE] [--credentials FILE] [--] HOST PORT}, options
   * also as {@code --name=value}. Returns null for anything else (help, version, an unknown or
   * missing argument): picocli then handles the command line and its errors, so help and messages
   * come from one place.
   */
  public static ConnectOptions parse(String[] args, int from) {
    String host = null;
    String port = null;
    String proxy = null;
    String config = null;
    String credentials = null;
    boolean start = false;
    boolean options = true;
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (options && a.startsWith("-")) {
        if (a.equals("--")) {
          options = false;
        } else if (a.equals("--start")) {
          start = true;
        } else if (a.equals("--no-start")) {
          start = false;
        } else if (a.equals("--proxy") || a.equals("--config") || a.equals("--credentials")) {
          if (++i >= args.length) {
            return null;
          }
          switch (a) {
            case "--proxy" -> proxy = args[i];
            case "--config" -> config = args[i];
            default -> credentials = args[i];
          }
        } else if (a.startsWith("--proxy=")) {
          proxy = a.substring(8);
        } else if (a.startsWith("--config=")) {
          config = a.substring(9);
        } else if (a.startsWith("--credentials=")) {
          credentials = a.substring(14);
        } else {
          return null;
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
    return new ConnectOptions(host, port, proxy, start, config, credentials);
  }
}
