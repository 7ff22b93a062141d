package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tailgate.relay.Transports;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.OtherUid;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up --listen-unix PATH} as users run it: {@code tailgate connect --proxy PATH} and curl's
 * {@code socks5h://localhost/PATH} through the relay's Unix socket, each logged with the uid and
 * pid the kernel gives; the socket 0600 in a directory tailgate made 0700, gone after a stop.
 */
class UnixSocketProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static Path socket;
  private static Path log;
  private static EchoServer echo;
  private static HttpServer web;
  private static CliProcess.Running relay;

  @BeforeAll
  static void startRelay() throws Exception {
    assumeTrue(Transports.best() == Transports.EPOLL, "needs epoll");
    echo = new EchoServer();
    web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    web.createContext(
        "/",
        exchange -> {
          byte[] body = "through the socket\n".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    web.start();
    socket = dir.resolve("run/tailgate/relay.sock");
    log = dir.resolve("connections.log");
    relay =
        new CliProcess(Map.of("TAILGATE_RUN_DIR", dir.resolve("relay-run").toString()))
            .start(
                CliProcess.upDirect(
                    "off",
                    log,
                    "--listen-unix",
                    socket.toString(),
                    "--allow",
                    "127.0.0.1:" + echo.port(),
                    "--allow",
                    "127.0.0.1:" + web.getAddress().getPort()));
  }

  @AfterAll
  static void stopRelay() throws Exception {
    if (relay != null) {
      relay.process().destroy();
      relay.process().waitFor(10, TimeUnit.SECONDS);
    }
    if (echo != null) {
      echo.close();
      web.stop(0);
    }
  }

  @Test
  void theSocketIs0600InADirectoryMade0700AndNamedInTheReadyLine() throws Exception {
    assertThat(relay.stderr()).contains("and unix:" + socket + " (socks5");
    assertThat(Files.getPosixFilePermissions(socket))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(socket.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void connectWithThePathAsProxyCarriesBytesAndIsLoggedWithItsUidAndPid() throws Exception {
    byte[] data = "over the unix socket\n".repeat(1000).getBytes(StandardCharsets.UTF_8);

    ConnectProcessTest.Outcome o =
        ConnectProcessTest.connectIn(
            dir,
            data,
            Map.of(),
            List.of(),
            "--proxy",
            socket.toString(),
            "127.0.0.1",
            "" + echo.port());

    assertThat(o.err()).isEmpty();
    assertThat(o.exitCode()).isEqualTo(ExitCodes.OK);
    assertThat(o.out()).isEqualTo(data);
    JsonNode line = lastLine("127.0.0.1", echo.port());
    assertThat(line.path("client").asText()).isEqualTo("unix:" + socket);
    assertThat(line.path("client_uid").asInt()).isEqualTo(OtherUid.ownUid());
    assertThat(line.path("client_pid").asLong()).isPositive().isNotEqualTo(relay.process().pid());
  }

  @Test
  void connectWithoutProxyTakesTheRunningRelaysUnixSocketFromItsRunState() throws Exception {
    Path runState = dir.resolve("relay-run/status.json");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!(Files.exists(runState) && Files.readString(runState).contains("\"relay_unix\""))) {
      assertThat(System.nanoTime()).as("the run-state names the socket").isLessThan(deadline);
      Thread.sleep(100);
    }
    byte[] data = "found in the run-state\n".getBytes(StandardCharsets.UTF_8);

    ConnectProcessTest.Outcome o =
        ConnectProcessTest.connectIn(
            dir,
            data,
            Map.of("TAILGATE_RUN_DIR", dir.resolve("relay-run").toString()),
            List.of(),
            "127.0.0.1",
            "" + echo.port());

    assertThat(o.err()).isEmpty();
    assertThat(o.out()).isEqualTo(data);
    assertThat(lastLine("127.0.0.1", echo.port()).path("client").asText())
        .isEqualTo("unix:" + socket);
    CliProcess.Result status =
        new CliProcess(Map.of("TAILGATE_RUN_DIR", dir.resolve("relay-run").toString()))
            .run(List.of("status"));
    assertThat(status.output()).contains(" and unix:" + socket + " -> direct");
  }

  @Test
  void curlReachesATargetWithSocks5hOverThePathAndIsLoggedByName() throws Exception {
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sS",
                "--max-time",
                "20",
                "--proxy",
                "socks5h://localhost" + socket,
                "http://127.0.0.1:" + web.getAddress().getPort() + "/")
            .redirectErrorStream(true)
            .start();
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String said = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(said).as("curl's output").isEqualTo("through the socket\n");
    assertThat(curl.exitValue()).isZero();
    JsonNode line = lastLine("127.0.0.1", web.getAddress().getPort());
    assertThat(line.path("proto").asText()).isEqualTo("socks5");
    assertThat(line.path("client_pid").asLong()).isEqualTo(curl.pid());
    assertThat(line.path("client_cmd").asText()).as("curl's /proc/PID/comm").isEqualTo("curl");
    assertThat(line.has("client_unknown")).as(line.toString()).isFalse();
  }

  /** The last log line for {@code host:port}, waiting up to 5 s for it. */
  private static JsonNode lastLine(String host, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      JsonNode found = null;
      if (Files.exists(log)) {
        for (String l : Files.readAllLines(log)) {
          JsonNode n = JSON.readTree(l);
          if (host.equals(n.path("target_host").asText())
              && n.path("target_port").asInt() == port) {
            found = n;
          }
        }
      }
      if (found != null || System.nanoTime() > deadline) {
        assertThat(found).as("a log line for %s:%d", host, port).isNotNull();
        return found;
      }
      Thread.sleep(50);
    }
  }
}
