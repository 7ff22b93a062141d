package dev.tailgate.cli;

import dev.tailgate.bootstrap.LocalApiClient;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.relay.Transports;
import io.netty.channel.EventLoopGroup;
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
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The training run behind {@code tailgate up}'s class-data-sharing archive: {@code
 * scripts/tailgate} runs this main once per jar with {@code -XX:ArchiveClassesAtExit}, so that the
 * archive holds the classes {@code up} loads on its way to the first relayed connection: picocli
 * with every command and an {@code up} line with the bootstrap flags, the settings, tailscaled's
 * start path and the LocalAPI client (against a pretend LocalAPI on a unix socket), and a gateway
 * without bootstrap that relays a SOCKS5 and an HTTP CONNECT tunnel and serves its admin pages.
 * Everything stays in this JVM, on loopback and in a temporary directory; nothing is started or
 * logged in.
 */
public final class UpTraining {
  /** Classes of the bootstrap start path that the pretend daemon cannot reach: loaded, not run. */
  private static final List<String> BOOTSTRAP =
      List.of(
          "EarlyStart",
          "DaemonStart",
          "TailscaledProcess",
          "SocketWait",
          "Bringup",
          "Bringup$Result",
          "Supervisor",
          "Supervisor$Phase",
          "Supervisor$Snapshot",
          "Monitor",
          "Login",
          "IpnBusWatch",
          "IpnNotifyHandler",
          "IpnBusStreamHandler",
          "FileKeySource",
          "EnvKeySource");

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
    CommandLine cli = TailgateCommand.commandLine();
    cli.setOut(quiet).setErr(quiet);
    Path socket = dir.resolve("tailscaled.sock");
    cli.parseArgs(
        "up",
        "--tailscaled",
        "/usr/sbin/tailscaled",
        "--tailscale",
        "/usr/bin/tailscale",
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
        dir.resolve("connections.log").toString());
    UpCommand parsed = cli.getSubcommands().get("up").getCommand();
    TailgateConfig.from(parsed.settings());
    for (String name : BOOTSTRAP) {
      Class.forName("dev.tailgate.bootstrap." + name);
    }
    try (ServerSocket echo = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread echoes = daemon("training-echo", () -> echoAll(echo));
      echoes.start();
      askPretendLocalApi(socket);
      UpCommand up = new UpCommand();
      up.listen = "127.0.0.1:0";
      up.admin = "127.0.0.1:0";
      up.upstream = "direct";
      up.noBootstrap = true;
      up.allow = List.of("127.0.0.1:" + echo.getLocalPort());
      up.logFile = dir.resolve("connections.log").toString();
      TailgateConfig cfg = TailgateConfig.from(up.settings());
      Gateway gateway = new Gateway(cfg, null, () -> cfg, quiet);
      try {
        gateway.start();
        tunnels(gateway, echo.getLocalPort());
      } finally {
        gateway.close();
      }
    }
  }

  /** One SOCKS5 and one HTTP CONNECT tunnel that echo, and the admin's health and metrics. */
  private static void tunnels(Gateway gateway, int echoPort) throws IOException {
    InetSocketAddress relay = gateway.relayAddress();
    try (Socket s = new Socket(relay.getAddress(), relay.getPort())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(new byte[] {5, 1, 0});
      in.readNBytes(2);
      out.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (echoPort >> 8), (byte) echoPort});
      in.readNBytes(10);
      out.write("ping".getBytes(StandardCharsets.US_ASCII));
      in.readNBytes(4);
    }
    request(relay, "CONNECT 127.0.0.1:" + echoPort + " HTTP/1.1\r\nHost: x\r\n\r\nping");
    InetSocketAddress admin = gateway.adminAddress();
    if (admin != null) {
      request(admin, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      request(admin, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
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
    EventLoopGroup group = Transports.EPOLL.newGroup(1);
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
      try (LocalApiClient api = new LocalApiClient(group, socket)) {
        api.status().get(5, TimeUnit.SECONDS);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  private static void echoAll(ServerSocket server) {
    while (true) {
      try (Socket c = server.accept()) {
        c.setSoTimeout(5_000);
        InputStream in = c.getInputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
          c.getOutputStream().write(buf, 0, n);
        }
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
      }
    }
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
