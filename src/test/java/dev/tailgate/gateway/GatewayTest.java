package dev.tailgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.HostPort;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.SocksClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembly without tailscaled ({@code --no-bootstrap --upstream direct}), in this JVM, on ports
 * the system picks: the relay relays, the admin listener answers, the run-state file names them,
 * and close gives everything back.
 */
class GatewayTest {
  @TempDir Path dir;

  private final StringWriter said = new StringWriter();

  private TailgateConfig config(String allow) throws Exception {
    return Configs.of(Configs.direct(dir, allow));
  }

  private Gateway gateway(TailgateConfig cfg) {
    return new Gateway(cfg, null, () -> cfg, new PrintWriter(said, true), dir.resolve("run"));
  }

  private static HttpResponse<String> get(InetSocketAddress admin, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://" + HostPort.format(admin) + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void relaysThroughTheDirectDialerAndSaysWhereItListens() throws Exception {
    try (EchoServer echo = new EchoServer();
        Gateway gateway = gateway(config("127.0.0.1:" + echo.port()))) {
      gateway.start();

      try (Socket s = SocksClient.tunnel(gateway.relayAddress(), "127.0.0.1", echo.port())) {
        assertThat(SocksClient.echo(s, "through the gateway")).isEqualTo("through the gateway");
      }
      assertThat(SocksClient.reply(gateway.relayAddress(), "127.0.0.1", echo.port() + 1))
          .as("deny by default: not in the allowlist")
          .isEqualTo(0x02);
      assertThat(said.toString())
          .contains("relay on " + HostPort.format(gateway.relayAddress()))
          .contains("admin on http://" + HostPort.format(gateway.adminAddress()));
    }
  }

  @Test
  void itsAdminListenerAnswersHealthAndStatusWithoutADaemon() throws Exception {
    try (Gateway gateway = gateway(config("127.0.0.1:22"))) {
      gateway.start();

      HttpResponse<String> health = get(gateway.adminAddress(), "/healthz");
      HttpResponse<String> status = get(gateway.adminAddress(), "/api/status");

      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(status.statusCode()).isEqualTo(200);
      assertThat(status.body())
          .contains(HostPort.format(gateway.relayAddress()))
          .containsPattern("\"managed\" ?: ?false");
    }
  }

  @Test
  void writesItsRunStateBeforeItSaysItIsReady() throws Exception {
    TailgateConfig cfg = config("127.0.0.1:22");
    try (Gateway gateway = gateway(cfg)) {
      gateway.start();

      RunState state =
          RunState.JSON.readValue(
              Files.readAllBytes(RunState.file(dir.resolve("run"))), RunState.class);
      assertThat(state.pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(state.ready()).isTrue();
      assertThat(state.relay()).isEqualTo(HostPort.format(gateway.relayAddress()));
      assertThat(state.admin()).isEqualTo(HostPort.format(gateway.adminAddress()));
      assertThat(state.upstream()).isEqualTo("direct");
      assertThat(state.daemon()).as("--no-bootstrap").isNull();
      assertThat(state.socket())
          .as("the LocalAPI socket, for the inventory plugin")
          .isEqualTo(cfg.daemon().socket().toAbsolutePath().toString());
      assertThat(new String(Files.readAllBytes(RunState.file(dir.resolve("run")))))
          .contains("\"socket\" : \"" + state.socket() + "\"");
    }
  }

  @Test
  void closeGivesBackBothPortsAndRemovesTheRunState() throws Exception {
    Gateway gateway = gateway(config("127.0.0.1:22"));
    gateway.start();
    InetSocketAddress relay = gateway.relayAddress();
    InetSocketAddress admin = gateway.adminAddress();

    gateway.close();
    gateway.close(); // a second close is harmless

    for (InetSocketAddress taken : List.of(relay, admin)) {
      try (ServerSocket again = new ServerSocket(taken.getPort(), 1, taken.getAddress())) {
        assertThat(again.getLocalPort()).isEqualTo(taken.getPort());
      }
    }
    assertThat(RunState.file(dir.resolve("run"))).doesNotExist();
  }

  @Test
  void aTakenListenAddressIsABindExceptionThatSaysWhatToDo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      ConfigValues v = Configs.direct(dir);
      v.listen = "127.0.0.1:" + taken.getLocalPort();
      TailgateConfig cfg = Configs.of(v);
      Gateway gateway = gateway(cfg);
      try {
        org.assertj.core.api.Assertions.assertThatThrownBy(gateway::start)
            .isInstanceOf(java.net.BindException.class)
            .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
            .hasMessageContaining("(listen)")
            .hasMessageContaining("--listen");
      } finally {
        gateway.close();
      }
    }
  }
}
