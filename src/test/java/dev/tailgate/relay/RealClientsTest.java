package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SocksServers;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real clients (curl, OpenBSD nc) against the real relay, chained through real SOCKS5 servers
 * (microsocks and Dante) standing in for tailscaled's port 1055, to a real HTTP server.
 */
class RealClientsTest {
  private static final String PAGE = "hello from the target\n";
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path dir;

  private static HttpServer target;
  private static int targetPort;
  private static EventLoopGroup group;
  private static SocksServers.Server microsocks;
  private static SocksServers.Server dante;

  @BeforeAll
  static void startTarget() throws Exception {
    target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    target.createContext(
        "/",
        exchange -> {
          byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    target.start();
    targetPort = target.getAddress().getPort();
    group = Transports.best().newGroup(2);
  }

  @AfterAll
  static void stopAll() throws Exception {
    if (microsocks != null) {
      microsocks.close();
    }
    if (dante != null) {
      dante.close();
    }
    target.stop(0);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /** The relay in front of one real SOCKS5 server, allowing only the target's port. */
  private record Chain(RelayServer relay, RecordingLog log) implements AutoCloseable {
    String proxy() {
      return "127.0.0.1:" + relay.address().getPort();
    }

    @Override
    public void close() {
      relay.close();
    }
  }

  private static Chain chain(String upstreamName) throws Exception {
    SocksServers.Server upstream = upstream(upstreamName);
    Transports t = Transports.best();
    RecordingLog log = new RecordingLog();
    RelaySettings settings =
        new RelaySettings(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
            RelaySettings.DEFAULT_DIAL_TIMEOUT,
            Duration.ofMinutes(1),
            null);
    Socks5Dialer dialer =
        new Socks5Dialer(
            t,
            new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.port()),
            Duration.ofSeconds(10));
    RelayServer relay =
        RelayServer.start(
            settings,
            Allowlist.parse(List.of("localhost:" + targetPort)),
            dialer,
            UpstreamGate.OPEN,
            log,
            new RelayStats(),
            group,
            t);
    return new Chain(relay, log);
  }

  private static synchronized SocksServers.Server upstream(String name) throws Exception {
    if (name.equals("microsocks")) {
      if (microsocks == null) {
        microsocks = SocksServers.microsocks(dir);
      }
      return microsocks;
    }
    if (dante == null) {
      dante = SocksServers.dante(dir);
    }
    return dante;
  }

  static Stream<Arguments> clientsAndUpstreams() {
    return Stream.concat(
        Stream.of("microsocks", "dante")
            .flatMap(
                up ->
                    Stream.of(
                        Arguments.of("curl --socks5-hostname", up, "socks5"),
                        Arguments.of("curl --socks4a", up, "socks4"),
                        Arguments.of("curl -p -x http://", up, "http"),
                        Arguments.of("nc -X 5 -x", up, "socks5"),
                        Arguments.of("nc -X connect -x", up, "http"))),
        // -N half-closes after the request; microsocks closes both ways on the first EOF (it
        // does so without tailgate too), so half-close is proven through Dante only.
        Stream.of(Arguments.of("nc -N -X 5 -x", "dante", "socks5")));
  }

  @ParameterizedTest(name = "{0} through tailgate and {1}")
  @MethodSource("clientsAndUpstreams")
  void realClientReachesTheTargetByNameThroughTheChain(String client, String upstream, String proto)
      throws Exception {
    try (Chain chain = chain(upstream)) {
      RunningProcess.Result result = fetch(client, chain.proxy(), "localhost", targetPort);

      assertThat(result.exitCode()).as(result.output()).isZero();
      assertThat(result.output()).contains(PAGE.strip());
      ConnectionEvent e = chain.log().await(1, Duration.ofSeconds(10));
      assertThat(e.proto()).isEqualTo(proto);
      assertThat(e.targetHost()).isEqualTo("localhost");
      assertThat(e.result()).isEqualTo("ok");
      assertThat(e.rule()).isEqualTo("localhost:" + targetPort);
      assertThat(e.bytesDown()).isGreaterThan(PAGE.length());
    }
  }

  @Test
  void curlSeesTheRefusalAndTheLogSaysWhy() throws Exception {
    try (Chain chain = chain("microsocks")) {
      RunningProcess.Result socks = fetch("curl --socks5-hostname", chain.proxy(), "localhost", 9);
      RunningProcess.Result http = fetch("curl -p -x http://", chain.proxy(), "localhost", 9);

      assertThat(socks.exitCode()).as(socks.output()).isNotZero();
      assertThat(http.exitCode()).as(http.output()).isNotZero();
      assertThat(http.output()).contains("403");
      ConnectionEvent e = chain.log().await(2, Duration.ofSeconds(10));
      assertThat(chain.log().events())
          .allSatisfy(
              ev -> {
                assertThat(ev.result()).isEqualTo("denied");
                assertThat(ev.reason()).contains("localhost:9");
              });
      assertThat(e.decision()).isEqualTo("deny");
    }
  }

  private static RunningProcess.Result fetch(String client, String proxy, String host, int port)
      throws Exception {
    String url = "http://" + host + ":" + port + "/";
    byte[] request =
        ("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    List<String> command;
    if (client.startsWith("curl")) {
      String curl = ExternalTool.require("curl", "curl").toString();
      List<String> base = List.of(curl, "-sS", "--max-time", "20", "-i");
      command =
          switch (client) {
            case "curl --socks5-hostname" -> concat(base, "--socks5-hostname", proxy, url);
            case "curl --socks4a" -> concat(base, "--socks4a", proxy, url);
            default -> concat(base, "-p", "-x", "http://" + proxy, url);
          };
      return RunningProcess.run(command, new byte[0], CLIENT_TIMEOUT);
    }
    String nc = ExternalTool.require("nc", "netcat-openbsd").toString();
    String mode = client.contains("connect") ? "connect" : "5";
    List<String> base = client.contains("-N") ? List.of(nc, "-N") : List.of(nc);
    command = concat(base, "-w", "20", "-X", mode, "-x", proxy, host, String.valueOf(port));
    return RunningProcess.run(command, request, CLIENT_TIMEOUT);
  }

  private static List<String> concat(List<String> base, String... more) {
    return Stream.concat(base.stream(), Stream.of(more)).toList();
  }
}
