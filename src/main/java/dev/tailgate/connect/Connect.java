package dev.tailgate.connect;

import dev.tailgate.base.ClientTag;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code tailgate connect HOST PORT}: finds the relay, runs the SOCKS5 handshake, then joins
 * standard input and output to the tunnel. Every failure before the tunnel is up is one line on
 * standard error, which ssh shows, and an exit code of {@link ConnectExit}.
 */
public final class Connect {
  /** Connecting to the relay itself (on loopback, a refusal is immediate). */
  static final int RELAY_CONNECT_TIMEOUT_MS = 5_000;

  /**
   * The relay's answer to the CONNECT: its own dial limit is 10 s, and it holds requests up to 30 s
   * while it restarts tailscaled, so this waits longer than both.
   */
  static final int HANDSHAKE_TIMEOUT_MS = 60_000;

  private final ConnectOptions options;
  private final PrintStream err;

  private Connect(ConnectOptions options, PrintStream err) {
    this.options = options;
    this.err = err;
  }

  /** Runs the command; returns its exit code. Standard input and output carry the tunnel. */
  public static int run(ConnectOptions options, PrintStream err) {
    return new Connect(options, err).run();
  }

  private int run() {
    int port = port(options.port());
    if (options.host() == null || options.host().isEmpty() || port < 0) {
      return fail(
          ConnectExit.USAGE,
          "expected HOST PORT with a port 1-65535, got '"
              + options.host()
              + "' '"
              + options.port()
              + "' (see tailgate connect --help)");
    }
    ProxyCredentials credentials;
    try {
      credentials = credentials();
    } catch (IOException | IllegalArgumentException e) {
      return fail(ConnectExit.USAGE, "cannot use the credentials: " + message(e));
    }
    RelayAddress relay = RelayAddress.find(options.proxy());
    RelayLink socket;
    try {
      socket = open(relay);
    } catch (ConnectException e) {
      if (!options.start()) {
        return noRelay(relay, e);
      }
      int started = RelayStarter.start(options.config(), err);
      if (started != 0) {
        return fail(ConnectExit.FAILURE, "no relay answered at " + relay + " and --start failed");
      }
      relay = RelayAddress.find(options.proxy());
      try {
        socket = open(relay);
      } catch (IOException | IllegalArgumentException again) {
        return noRelay(relay, again);
      }
    } catch (IOException | IllegalArgumentException e) {
      return noRelay(relay, e);
    }
    try {
      return tunnel(socket, relay, port, credentials);
    } finally {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Ending anyway.
      }
    }
  }

  /** {@code --credentials}, else {@code $TAILGATE_PROXY_CREDENTIALS}, else none. */
  private ProxyCredentials credentials() throws IOException {
    String file = options.credentials();
    if (file == null || file.isEmpty()) {
      file = System.getenv("TAILGATE_PROXY_CREDENTIALS");
    }
    return file == null || file.isEmpty() ? null : ProxyCredentials.read(Path.of(file));
  }

  private int tunnel(RelayLink socket, RelayAddress relay, int port, ProxyCredentials credentials) {
    Socks5Client.Reply reply;
    try {
      socket.readTimeout(HANDSHAKE_TIMEOUT_MS);
      reply =
          Socks5Client.connect(
              socket.in(),
              socket.out(),
              options.host(),
              port,
              credentials,
              ClientTag.encode(options.tag()));
      socket.readTimeout(0);
    } catch (Socks5Client.AuthRefused e) {
      return refuse(ConnectExit.DENIED, target(port) + ": " + e.getMessage());
    } catch (Socks5Client.NotARelay e) {
      return refuse(
          ConnectExit.NO_RELAY,
          "the server at "
              + relay
              + " (from "
              + relay.source()
              + ") is no usable relay: "
              + e.getMessage());
    } catch (SocketTimeoutException e) {
      return refuse(
          ConnectExit.TARGET_FAILED,
          target(port) + ": the relay at " + relay + " did not answer within 60 s");
    } catch (IOException | IllegalArgumentException e) {
      return refuse(
          ConnectExit.NO_RELAY, target(port) + ": the relay at " + relay + ": " + message(e));
    }
    if (reply.code() != 0) {
      String line = target(port) + ": " + reply.describe();
      return refuse(
          reply.code() == 2 ? ConnectExit.DENIED : ConnectExit.TARGET_FAILED,
          line,
          reply.reason() == null ? line : reasonFirst(reply.reason(), target(port)));
    }
    IOException broken;
    try {
      broken = Pipe.run(socket);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ConnectExit.FAILURE;
    }
    if (broken != null) {
      return fail(ConnectExit.FAILURE, target(port) + ": the tunnel broke: " + message(broken));
    }
    return ConnectExit.OK;
  }

  private static RelayLink open(RelayAddress relay) throws IOException {
    if (relay.isPath()) {
      return RelayLink.unix(relay.path());
    }
    InetSocketAddress address = relay.resolve();
    if (address.isUnresolved()) {
      throw new UnknownHostException("cannot resolve the relay's host " + address.getHostString());
    }
    return RelayLink.tcp(address, RELAY_CONNECT_TIMEOUT_MS);
  }

  private int noRelay(RelayAddress relay, Exception e) {
    return refuse(
        ConnectExit.NO_RELAY,
        "no relay answered at "
            + relay
            + " (from "
            + relay.source()
            + "): "
            + message(e)
            + "; is tailgate up? (`tailgate status`, or add --start)");
  }

  /**
   * The banner's text for a refusal the relay gave a reason for: the reason first, since ssh cuts
   * the line at 100 characters and the reason names the peer anyway ("peer
   * web-server-01.tail1234.ts.net is offline (last seen ...); cannot reach ..."), where the
   * standard error line's "cannot reach HOST:PORT: " first would leave "offline" out of a long
   * name.
   */
  static String reasonFirst(String reason, String target) {
    return reason + "; " + target;
  }

  private String target(int port) {
    String h = options.host();
    return "cannot reach " + (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
  }

  /**
   * A failure before the tunnel is up. ssh with ControlPersist (Ansible's default) points its
   * ProxyCommand's standard error at /dev/null; then the line also goes to standard output as an
   * SSH identification line without a version, which ssh rejects and prints: {@code Bad remote
   * protocol version identification: 'SSH-tailgate: cannot reach ...'}. Nothing else would show it.
   */
  private int refuse(int code, String message) {
    return refuse(code, message, message);
  }

  /**
   * As {@link #refuse(int, String)}, with {@code banner} as the identification line's text: ssh
   * shows at most 100 characters of it.
   */
  private int refuse(int code, String message, String banner) {
    fail(code, message);
    if (stderrIsDevNull()) {
      try {
        FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
        stdout.write(
            ("SSH-tailgate: " + banner.replaceAll("[\\r\\n]+", " ") + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        stdout.flush();
      } catch (IOException ignored) {
        // Nobody reads standard output either.
      }
    }
    return code;
  }

  private static boolean stderrIsDevNull() {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString().equals("/dev/null");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  private int fail(int code, String message) {
    err.println("tailgate connect: " + message.replaceAll("[\\r\\n]+", " "));
    err.flush();
    return code;
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** The port 1-65535, or -1. */
  static int port(String text) {
    if (text == null || text.isEmpty() || text.length() > 5) {
      return -1;
    }
    int p = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      p = p * 10 + (c - '0');
    }
    return p >= 1 && p <= 65535 ? p : -1;
  }
}
