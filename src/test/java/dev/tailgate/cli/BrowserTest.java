package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tailgate.bootstrap.DaemonStopper;
import dev.tailgate.testing.Chromium;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SocksClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * Real headless Chromium (Debian's) against a real {@code tailgate up} managing the tailscaled test
 * double: the status page renders what the relay carries, and Chromium configured with the PAC file
 * reaches a tailnet name through the relay while a non-tailnet name goes direct.
 */
class BrowserTest {
  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();
  private FakeTailnet tailnet;
  private CliProcess.Running up;
  private int directPort;

  private static HttpServer page(String text) throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext(
        "/",
        exchange -> {
          byte[] body =
              ("<html><body><p id=\"msg\">" + text + "</p></body></html>")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return server;
  }

  @BeforeEach
  void start() throws Exception {
    HttpServer web = page("hello from the tailnet");
    HttpServer direct = page("hello from outside the tailnet");
    open.add(() -> web.stop(0));
    open.add(() -> direct.stop(0));
    directPort = direct.getAddress().getPort();
    tailnet = new FakeTailnet(dir).peer("web", web.getAddress().getPort());
    CliProcess cli =
        new CliProcess(
            Map.of(
                "TAILGATE_TEST_KEY", FakeTailnet.KEY,
                "TAILGATE_RUN_DIR", dir.resolve("run").toString(),
                "XDG_STATE_HOME", dir.resolve("xdg").toString()));
    List<String> args = new ArrayList<>(List.of("up"));
    args.addAll(tailnet.upFlags());
    args.addAll(
        List.of(
            "--allow", "tailnet:80,8080",
            "--allow", "tailnet:22 from uid 1000",
            "--listen", "127.0.0.1:0",
            "--admin", "127.0.0.1:0",
            "--log-file", dir.resolve("connections.log").toString()));
    up = cli.start(args);
  }

  @AfterEach
  void stop() throws Exception {
    up.process().destroy();
    up.process().waitFor();
    DaemonStopper.stop(tailnet.stateDir);
    for (AutoCloseable c : open) {
      c.close();
    }
    RunningProcess.killAllUnder(dir);
  }

  /**
   * Runs headless Chromium with {@code flags}; returns what it printed (the DOM with --dump-dom).
   */
  private String chromium(String... flags) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ExternalTool.require("chromium", "chromium").toString());
    command.addAll(Chromium.QUIET);
    command.add("--disable-dev-shm-usage");
    command.add("--user-data-dir=" + Files.createTempDirectory(dir, "chromium"));
    command.addAll(List.of(flags));
    RunningProcess.Result r = RunningProcess.run(command, new byte[0], Duration.ofSeconds(90));
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r.output();
  }

  private String admin(String path) {
    return "http://127.0.0.1:" + up.adminPort() + path;
  }

  @Test
  void theStatusPageShowsAConnectionTheTestMadeThroughTheRelay() throws Exception {
    try (Socket held = SocksClient.open(new InetSocketAddress("127.0.0.1", up.port()))) {
      assertThat(SocksClient.connect(held, "web." + FakeTailnet.SUFFIX, 8080)).isZero();

      String dom = chromium("--virtual-time-budget=10000", "--dump-dom", admin("/"));

      assertThat(dom)
          .contains("web." + FakeTailnet.SUFFIX + ":8080")
          .contains("relaying")
          .contains(">healthy<")
          .contains("uid 1000 only, by tailnet:22 from uid 1000");
      Path shot = Path.of("target", "status-page.png");
      chromium(
          "--virtual-time-budget=10000",
          "--window-size=1280,1100",
          "--screenshot=" + shot.toAbsolutePath(),
          admin("/"));
      assertThat(Files.size(shot)).isGreaterThan(10_000);
    }
  }

  @Test
  void withThePacFileATailnetNameGoesThroughTheRelayAndTheRestDirect() throws Exception {
    String pac = "--proxy-pac-url=" + admin("/proxy.pac");
    String rules = "--host-resolver-rules=MAP direct.test 127.0.0.1";

    String tailnetPage =
        chromium(pac, rules, "--dump-dom", "http://web." + FakeTailnet.SUFFIX + "/");
    String directPage =
        chromium(pac, rules, "--dump-dom", "http://direct.test:" + directPort + "/");

    assertThat(tailnetPage).contains("hello from the tailnet");
    assertThat(directPage).contains("hello from outside the tailnet");
    String log = Files.readString(dir.resolve("connections.log"));
    assertThat(log)
        .contains("\"target_host\":\"web." + FakeTailnet.SUFFIX + "\"")
        .doesNotContain("direct.test");
  }
}
