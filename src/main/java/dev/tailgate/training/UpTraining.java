package dev.tailgate.training;

import dev.tailgate.bootstrap.EarlyStart;
import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.cli.Main;
import dev.tailgate.cli.TailgateCommand;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.gateway.DaemonSettings;
import dev.tailgate.gateway.Gateway;
import dev.tailgate.localapi.IpnBusWatch;
import dev.tailgate.localapi.LocalApi;
import dev.tailgate.localapi.LocalApiClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run behind {@code tailgate up}'s class-data-sharing archive: {@code
 * scripts/tailgate} runs this main once per jar with {@code -XX:ArchiveClassesAtExit}, so that the
 * archive holds the classes {@code up} loads on its way to the first relayed connection: an {@code
 * up} line with the bootstrap flags read as {@link Main} reads it (without picocli), the settings,
 * tailscaled's start path and the LocalAPI client (against a pretend LocalAPI on a unix socket),
 * and a gateway without bootstrap that relays a SOCKS5 and an HTTP CONNECT tunnel and serves its
 * admin pages. Everything stays in this JVM, on loopback and in a temporary directory; nothing is
 * started or logged in. The other commands' classes come along, for their own start.
 */
public final class UpTraining {
  /** A target by name, as the tailnet's are asked for (sent on to the upstream unresolved). */
  private static final String NAME = "echo.training.test";

  /**
   * Classes of the bootstrap start path that the pretend daemon cannot reach: loaded, not run. By
   * class literal where they are public, so that a rename breaks the build; the package-private
   * ones by name, and UpTrainingTest loads each of those.
   */
  static final List<Class<?>> UNREACHED =
      List.of(
          EarlyStart.class,
          Supervisor.class,
          Supervisor.Phase.class,
          Supervisor.Snapshot.class,
          IpnBusWatch.class);

  /**
   * The package-private ones: {@code bootstrap}'s own, named as {@link Class#forName} takes them.
   */
  static final List<String> UNREACHED_BY_NAME =
      List.of(
          "dev.tailgate.bootstrap.DaemonStart",
          "dev.tailgate.bootstrap.TailscaledProcess",
          "dev.tailgate.bootstrap.SocketWait",
          "dev.tailgate.bootstrap.Bringup",
          "dev.tailgate.bootstrap.Bringup$Result",
          "dev.tailgate.gateway.DaemonGate",
          "dev.tailgate.bootstrap.Monitor",
          "dev.tailgate.bootstrap.Login",
          "dev.tailgate.localapi.IpnNotifyHandler",
          "dev.tailgate.localapi.IpnBusStreamHandler",
          "dev.tailgate.keys.FileKeySource",
          "dev.tailgate.keys.EnvKeySource");

  private UpTraining() {}

  public static void main(String[] args) throws Exception {
    if (System.getenv("TAILGATE_RUN_DIR") == null) {
      // The gateway writes its run-state file there: never over a running tailgate's.
      System.err.println("UpTraining: set TAILGATE_RUN_DIR to an empty directory");
      System.exit(2);
    }
    Path dir = Files.createTempDirectory("tailgate-up-training");
    try {
      train(dir);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void train(Path dir) throws Exception {
    Main.defaultProperties();
    PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream(), true);
    Path socket = dir.resolve("tailscaled.sock");
    // The other commands' classes, for their start (picocli's own are too old to be archived).
    TailgateCommand.commandLine();
    // As Main reads a plain `up` command line: without picocli.
    ConfigValues parsed =
        TailgateCommand.plainUp(
            new String[] {
              "up",
              "--tailscaled",
              "/bin/true", // found, never run
              "--tailscale",
              "/bin/true",
              "--state-dir",
              dir.resolve("state").toString(),
              "--socket",
              socket.toString(),
              "--tailscaled-log",
              dir.resolve("tailscaled.log").toString(),
              "--upstream",
              "socks5://127.0.0.1:1055",
              "--auth-key",
              "file:" + dir.resolve("key"),
              "--hostname",
              "gateway",
              "--allow",
              "tailnet:22",
              "--log-file",
              dir.resolve("connections.log").toString()
            });
    if (parsed == null) {
      throw new IllegalStateException("QuickUp did not read the training command line");
    }
    try {
      DaemonSettings.of(TailgateConfig.from(parsed));
    } catch (dev.tailgate.bootstrap.BootstrapException noSuchProgram) {
      // setsid missing here: the settings' classes are loaded all the same.
    }
    // UNREACHED's classes were loaded with this class, by their literals.
    for (String name : UNREACHED_BY_NAME) {
      Class.forName(name);
    }
    spawn(dir);
    // `target` only gives the tunnels a port to ask for: the pretend upstream answers for it.
    try (ServerSocket target = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        ServerSocket socks = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      daemon("training-socks5", () -> PretendUpstream.echoAll(socks)).start();
      askPretendLocalApi(socket);
      // An upstream SOCKS5 as tailscaled's: its dialer and netty's proxy handler are on the way
      // to the first relayed connection too.
      ConfigValues up =
          TailgateCommand.plainUp(
              new String[] {
                "up",
                "--listen",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0",
                "--upstream",
                "socks5://127.0.0.1:" + socks.getLocalPort(),
                "--no-bootstrap",
                "--allow",
                "127.0.0.1:" + target.getLocalPort(),
                "--allow",
                NAME + ":" + target.getLocalPort(),
                "--log-file",
                dir.resolve("connections.log").toString()
              });
      TailgateConfig cfg = TailgateConfig.from(up);
      Gateway gateway = new Gateway(cfg, null, () -> cfg, quiet);
      try {
        gateway.start();
        tunnels(gateway, target.getLocalPort());
      } finally {
        gateway.close();
      }
    }
  }

  /**
   * A child process started the way tailscaled is (input from /dev/null, output appended to a log,
   * its handle kept): the JDK's process classes come from the archive, not the module image, on the
   * way to tailscaled's spawn.
   */
  private static void spawn(Path dir) throws IOException, InterruptedException {
    Path program = Path.of("/bin/true");
    if (!Files.isExecutable(program)) {
      return;
    }
    ProcessBuilder pb =
        new ProcessBuilder(program.toString())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("spawn.log").toFile()))
            .redirectErrorStream(true);
    pb.environment().remove("TAILGATE_TRAINING"); // the daemon's start edits its environment too
    ProcessHandle child = pb.start().toHandle();
    child.onExit().join();
  }

  /** SOCKS5 tunnels by address and by name and an HTTP CONNECT one, and the admin pages. */
  private static void tunnels(Gateway gateway, int echoPort) throws IOException {
    InetSocketAddress relay = gateway.relayAddress();
    byte[] port = {(byte) (echoPort >> 8), (byte) echoPort};
    socks5(relay, new byte[] {1, 127, 0, 0, 1}, port);
    byte[] name = NAME.getBytes(StandardCharsets.US_ASCII);
    byte[] byName = new byte[name.length + 2];
    byName[0] = 3;
    byName[1] = (byte) name.length;
    System.arraycopy(name, 0, byName, 2, name.length);
    socks5(relay, byName, port);
    request(relay, "CONNECT 127.0.0.1:" + echoPort + " HTTP/1.1\r\nHost: x\r\n\r\nping");
    InetSocketAddress admin = gateway.adminAddress();
    if (admin != null) {
      request(admin, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      request(admin, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }
  }

  /** A SOCKS5 CONNECT to {@code address} (its type byte first) and {@code port}, and an echo. */
  private static void socks5(InetSocketAddress relay, byte[] address, byte[] port)
      throws IOException {
    try (Socket s = new Socket(relay.getAddress(), relay.getPort())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(new byte[] {5, 1, 0});
      in.readNBytes(2);
      out.write(new byte[] {5, 1, 0});
      out.write(address);
      out.write(port);
      in.readNBytes(10);
      out.write("ping".getBytes(StandardCharsets.US_ASCII));
      in.readNBytes(4);
    }
  }

  private static void request(InetSocketAddress to, String text) throws IOException {
    try (Socket s = new Socket(to.getAddress(), to.getPort())) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
      s.getInputStream().read(new byte[4096]);
    }
  }

  /** The LocalAPI client's status call against a pretend daemon that answers once: Running. */
  private static void askPretendLocalApi(Path socket) throws Exception {
    byte[] body =
        ("{\"BackendState\":\"Running\",\"MagicDNSSuffix\":\"tail1234.ts.net\","
                + "\"Self\":{\"HostName\":\"gateway\",\"DNSName\":\"gateway.tail1234.ts.net.\"},"
                + "\"Peer\":{}}")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] answer =
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n\r\n"
                + new String(body, StandardCharsets.US_ASCII))
            .getBytes(StandardCharsets.US_ASCII);
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      Thread daemon =
          daemon(
              "pretend-localapi",
              () -> {
                try (SocketChannel c = server.accept()) {
                  c.read(ByteBuffer.allocate(4096));
                  c.write(ByteBuffer.wrap(answer));
                } catch (IOException e) {
                  // The client gives up on its own timeout.
                }
              });
      daemon.start();
      LocalApi.query(socket, Duration.ofSeconds(5), LocalApiClient::status);
    }
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
