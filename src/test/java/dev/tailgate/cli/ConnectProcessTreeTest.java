package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.OtherUid;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's "who opened it", as ssh's ProxyCommand does it: the real {@code tailgate connect}, in
 * a JVM of its own under a parent shell, once as root and once as uid nobody, against a real {@code
 * tailgate up} (whose client-identity is uid by default). Each connection's log line names its own
 * uid, the connect helper's pid and command, and a process tree reaching the shell above it. Needs
 * root (to run one as another uid) and setpriv.
 */
class ConnectProcessTreeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int NOBODY = OtherUid.NOBODY;

  @TempDir Path dir;

  @Test
  void eachConnectionsLineNamesItsOwnUidPidAndTree() throws Exception {
    assumeTrue(OtherUid.possible(), "needs root");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path log = dir.resolve("connections.log");
    try (EchoServer echo = new EchoServer()) {
      CliProcess.Running relay =
          new CliProcess(Map.of("TAILGATE_RUN_DIR", dir.resolve("run").toString()))
              .start(
                  CliProcess.upDirect("127.0.0.1:0", log, "--allow", "127.0.0.1:" + echo.port()));
      try {
        Process asRoot = connectUnderShell(0, relay.port(), echo.port(), "root");
        Process asNobody = connectUnderShell(NOBODY, relay.port(), echo.port(), "nobody");
        // A log line says what was known when the connection closed: hold both open until the
        // status page shows each one's command (its process is found a walk after the accept).
        awaitCommands(relay.adminPort(), 2);
        for (Process p : List.of(asRoot, asNobody)) {
          p.getOutputStream().close(); // stdin's end: connect half-closes, the echo ends it
          assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
          assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
              .contains("hello-")
              .contains("rc=0");
        }
        List<JsonNode> lines = awaitLines(log, echo.port(), 2);

        JsonNode root = byUid(lines, 0);
        JsonNode nobody = byUid(lines, NOBODY);
        for (var c : List.of(Map.entry(root, asRoot), Map.entry(nobody, asNobody))) {
          JsonNode line = c.getKey();
          long pid = line.get("client_pid").asLong();
          assertThat(line.get("result").asText()).isEqualTo("ok");
          assertThat(line.get("client_cmd").asText()).isEqualTo("java");
          assertThat(line.get("client_tree").asText())
              .as(line.toString())
              .startsWith(
                  "java("
                      + pid
                      + ")<sh("
                      + c.getValue().pid()
                      + ")<java("
                      + ProcessHandle.current().pid()
                      + ")");
        }
        assertThat(root.get("client_pid").asLong()).isNotEqualTo(nobody.get("client_pid").asLong());
      } finally {
        relay.process().destroy();
        relay.process().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * {@code sh -c 'java ... connect ...; echo rc=$?'} as {@code uid}: the command after connect
   * keeps the shell from exec'ing it, so the shell stays its parent. The connect helper sends a
   * line through the tunnel and keeps it open until the shell's standard input ends.
   */
  private Process connectUnderShell(int uid, int relayPort, int echoPort, String name)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classes =
        Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> e.endsWith("classes") && !e.endsWith("test-classes"))
            .findFirst()
            .orElseThrow();
    String script =
        "(echo hello-"
            + name
            + "; cat) | "
            + java
            + " -cp "
            + classes
            + " "
            + Main.class.getName()
            + " connect --proxy 127.0.0.1:"
            + relayPort
            + " 127.0.0.1 "
            + echoPort
            + "; echo rc=$?";
    ProcessBuilder pb =
        new ProcessBuilder(
                uid == 0
                    ? List.of("/bin/sh", "-c", script)
                    : OtherUid.command(uid, "/bin/sh", "-c", script))
            .redirectErrorStream(true);
    pb.environment().put("TAILGATE_RUN_DIR", dir.resolve("no-run-state-" + name).toString());
    pb.environment().remove("TAILGATE_PROXY");
    return pb.start();
  }

  /** Until /api/status shows {@code n} open connections, each with its client's command. */
  private static void awaitCommands(int adminPort, int n) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/api/status")).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      last = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
      int known = 0;
      for (JsonNode c : JSON.readTree(last).path("connections").path("shown")) {
        if (c.hasNonNull("client_cmd")) {
          known++;
        }
      }
      if (known >= n) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("expected " + n + " connections with a command in " + last);
  }

  /** The log's lines for {@code port}, once {@code n} of them are there. */
  private static List<JsonNode> awaitLines(Path log, int port, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<JsonNode> found = List.of();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(log)) {
          JsonNode j = JSON.readTree(l);
          if (j.path("target_port").asInt() == port && j.has("client_tree")) {
            lines.add(j);
          }
        }
        found = lines;
        if (found.size() >= n) {
          return found;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("expected " + n + " lines for port " + port + ", got " + found);
  }

  private static JsonNode byUid(List<JsonNode> lines, int uid) {
    return lines.stream()
        .filter(l -> l.path("client_uid").asInt(-1) == uid)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line of uid " + uid + " in " + lines));
  }
}
