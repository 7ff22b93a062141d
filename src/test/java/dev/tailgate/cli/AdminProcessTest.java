package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.HoldingServer;
import dev.tailgate.testing.SocksClient;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener of a real {@code tailgate up}: what it shows about connections the test makes,
 * and that it stays quick with 5,000 tunnels open.
 */
class AdminProcessTest {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Socket> clients = new ArrayList<>();
  private HoldingServer target;
  private CliProcess.Running up;

  @BeforeEach
  void start() throws Exception {
    target = new HoldingServer();
    CliProcess cli =
        new CliProcess(
            Map.of(
                "TAILGATE_RUN_DIR",
                dir.resolve("run").toString(),
                "XDG_STATE_HOME",
                dir.toString()));
    up =
        cli.start(
            CliProcess.upDirect(
                "127.0.0.1:0",
                dir.resolve("connections.log"),
                "--allow",
                "127.0.0.1:" + target.port()));
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : clients) {
      s.close();
    }
    up.process().destroy();
    up.process().waitFor();
    target.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.adminPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Socket open(int port) throws Exception {
    Socket s = SocksClient.open(new InetSocketAddress("127.0.0.1", up.port()));
    clients.add(s);
    int reply = SocksClient.connect(s, "127.0.0.1", port);
    assertThat(reply).as("reply for 127.0.0.1:%d", port).isEqualTo(port == target.port() ? 0 : 2);
    return s;
  }

  @Test
  void showsOpenConnectionsRefusalsHealthAndMetrics() throws Exception {
    Socket held = open(target.port());
    open(target.port() + 1 > 65535 ? 1 : target.port() + 1);
    held.getOutputStream().write("hello".getBytes());

    String status = awaitBody("/api/status", "\"open\" : 1");
    assertThat(status)
        .contains("\"target\" : \"127.0.0.1:" + target.port() + "\"")
        .contains("\"phase\" : \"relaying\"")
        .contains("\"managed\" : false")
        .contains("\"reason\" : \"no allow rule matches 127.0.0.1:");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").body())
        .contains("tailgate_connections_open 1.0")
        .contains("tailgate_connections_total{proto=\"socks5\",result=\"denied\"} 1.0")
        .contains("tailgate_upstream_dial_seconds_count{outcome=\"ok\"} 1");
  }

  @Test
  void staysQuickWithFiveThousandOpenConnections() throws Exception {
    for (int i = 0; i < 5000; i++) {
      open(target.port());
    }

    long start = System.nanoTime();
    HttpResponse<String> status = get("/api/status");
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("\"open\" : 5000");
    assertThat(status.body().split("\"client\"", -1))
        .as("rows shown")
        .hasSizeLessThanOrEqualTo(101 + 1);
    assertThat(status.body().length()).as("JSON size").isLessThan(200_000);
    assertThat(took).as("time to answer /api/status").isLessThan(Duration.ofSeconds(2));
    assertThat(get("/").statusCode()).isEqualTo(200);
  }

  private String awaitBody(String path, String expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String body = "";
    while (System.nanoTime() < deadline) {
      body = get(path).body();
      if (body.contains(expected)) {
        return body;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("never saw " + expected + " in " + body);
  }
}
