package dev.tailgate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ConnectionEvent event(String host) {
    return new ConnectionEvent(
        Instant.parse("2026-11-28T12:00:00Z"),
        "ab12cd34",
        "127.0.0.1:50000",
        "socks5",
        host,
        22,
        "deny",
        null,
        "no allow rule matches " + host + ":22",
        "denied",
        0,
        0,
        3,
        "relay",
        null,
        null,
        0,
        null);
  }

  private static ConnectionEvent local(ConnectionEvent.LocalClient who) {
    return client(who, null);
  }

  /** The event of {@link #event} with this local client and client tag. */
  private static ConnectionEvent client(ConnectionEvent.LocalClient who, String tag) {
    ConnectionEvent e = event("db1.example.ts.net");
    return new ConnectionEvent(
        e.ts(),
        e.id(),
        e.client(),
        e.proto(),
        e.targetHost(),
        e.targetPort(),
        e.decision(),
        e.rule(),
        e.reason(),
        e.result(),
        e.bytesUp(),
        e.bytesDown(),
        e.durationMs(),
        e.closedBy(),
        who,
        null,
        0,
        tag);
  }

  @Test
  void namesTheLocalClientsUidPidAndCommandEscaped() throws Exception {
    JsonNode line =
        JSON.readTree(
            JsonLinesLog.toLine(
                local(new ConnectionEvent.LocalClient(1000, 4242L, "ssh\n{\"x\":1}", null))));
    assertThat(line.get("client_uid").asInt()).isEqualTo(1000);
    assertThat(line.get("client_pid").asLong()).isEqualTo(4242);
    assertThat(line.get("client_cmd").asText()).isEqualTo("ssh\n{\"x\":1}");
    assertThat(line.has("client_unknown")).isFalse();

    JsonNode partial =
        JSON.readTree(
            JsonLinesLog.toLine(
                local(new ConnectionEvent.LocalClient(1000, null, null, "process gone"))));
    assertThat(partial.get("client_uid").asInt()).isEqualTo(1000);
    assertThat(partial.has("client_pid")).isFalse();
    assertThat(partial.get("client_unknown").asText()).isEqualTo("process gone");

    assertThat(JSON.readTree(JsonLinesLog.toLine(event("x"))).has("client_uid")).isFalse();
  }

  @Test
  void namesTheLocalClientsProcessTree() throws Exception {
    JsonNode line =
        JSON.readTree(
            JsonLinesLog.toLine(
                local(
                    new ConnectionEvent.LocalClient(
                        0, 900L, "java", "java(900)<ssh(812)<bash(12)", null))));
    assertThat(line.get("client_tree").asText()).isEqualTo("java(900)<ssh(812)<bash(12)");
    assertThat(line.get("client_cmd").asText()).isEqualTo("java");
  }

  @Test
  void writesEveryFieldTheIssueNames() throws Exception {
    JsonNode line = JSON.readTree(JsonLinesLog.toLine(event("db1.example.ts.net")));

    assertThat(line.fieldNames())
        .toIterable()
        .containsExactly(
            "ts",
            "id",
            "client",
            "proto",
            "target_host",
            "target_port",
            "decision",
            "rule",
            "reason",
            "result",
            "bytes_up",
            "bytes_down",
            "duration_ms",
            "closed_by");
    assertThat(line.get("ts").asText()).isEqualTo("2026-11-28T12:00:00Z");
    assertThat(line.get("rule").isNull()).isTrue();
    assertThat(line.get("target_port").asInt()).isEqualTo(22);
  }

  @Test
  void namesTheClientTagAfterTheClientOnlyWhenThereIsOne() throws Exception {
    ConnectionEvent tagged = client(null, "web1@Deploy%20site");

    JsonNode line = JSON.readTree(JsonLinesLog.toLine(tagged));

    assertThat(line.fieldNames())
        .toIterable()
        .startsWith("ts", "id", "client", "client_tag", "proto");
    assertThat(line.get("client_tag").asText()).isEqualTo("web1@Deploy%20site");
    assertThat(JSON.readTree(JsonLinesLog.toLine(local(null))).has("client_tag")).isFalse();
  }

  @Test
  void aForwardedRequestsLineAddsMethodAndStatusAfterTheTarget() throws Exception {
    ConnectionEvent c = event("web.example.ts.net");
    ConnectionEvent request =
        new ConnectionEvent(
            c.ts(),
            c.id(),
            c.client(),
            "http",
            c.targetHost(),
            80,
            "allow",
            "tailnet:80",
            null,
            "ok",
            10,
            20,
            3,
            "target",
            null,
            "POST",
            201,
            null);

    JsonNode line = JSON.readTree(JsonLinesLog.toLine(request));

    assertThat(line.get("method").asText()).isEqualTo("POST");
    assertThat(line.get("status").asInt()).isEqualTo(201);
    assertThat(JSON.readTree(JsonLinesLog.toLine(c)).has("method")).isFalse();
  }

  @Test
  void escapesNewlinesAndControlCharactersSoNoLineCanBeForged() throws Exception {
    String evil = "x\n{\"result\":\"ok\"}\r\u0007";

    String line = JsonLinesLog.toLine(event(evil));

    assertThat(line).endsWith("\n");
    assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n", "\r", "\u0007");
    assertThat(JSON.readTree(line).get("target_host").asText()).isEqualTo(evil);
  }

  @Test
  void writesOneLinePerEventInOrderAndFlushesOnClose() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonLinesLog log = JsonLinesLog.to(out);
    for (int i = 0; i < 100; i++) {
      log.record(event("h" + i + ".example"));
    }
    log.close();

    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(100);
    assertThat(JSON.readTree(lines[99]).get("target_host").asText()).isEqualTo("h99.example");
    assertThat(log.dropped()).isZero();
  }

  @Test
  void writesABurstOfLinesInAFewWritesNotOneEach() throws Exception {
    AtomicInteger writes = new AtomicInteger();
    ByteArrayOutputStream out =
        new ByteArrayOutputStream() {
          @Override
          public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            super.write(b, off, len);
          }
        };
    JsonLinesLog log = JsonLinesLog.to(out);
    for (int i = 0; i < 100; i++) {
      log.record(event("h" + i + ".example"));
    }
    log.close();

    assertThat(out.toString(StandardCharsets.UTF_8).split("\n")).hasSize(100);
    assertThat(writes.get()).as("writes for 100 lines").isLessThanOrEqualTo(5);
  }

  @Test
  void createsTheLogFileReadableByItsOwnerOnly(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("connections.log");
    JsonLinesLog log = JsonLinesLog.toFile(file);
    log.record(event("a.example"));
    log.close();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(Files.readAllLines(file)).hasSize(1);
  }
}
