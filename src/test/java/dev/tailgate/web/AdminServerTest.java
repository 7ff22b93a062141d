package dev.tailgate.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.relay.Credentials;
import dev.tailgate.relay.Transports;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every admin endpoint over a real socket: status codes, content types and bodies. */
class AdminServerTest {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicReference<Status> status = new AtomicReference<>(status("running", true));
  private final Metrics metrics = new Metrics();
  private EventLoopGroup group;
  private AdminServer server;

  static Status status(String phase, boolean listening) {
    return new Status(
        Instant.now().toString(),
        new Status.Relay(
            "127.0.0.1:1080", "socks5://127.0.0.1:1055", List.of("tailnet:22"), listening, null),
        new Status.Daemon(
            true,
            phase,
            "Running",
            42,
            1,
            "tailscaled (pid 41) exited",
            Instant.now().toString(),
            "tail1234.ts.net",
            List.of()),
        new Status.Connections(
            1,
            7,
            List.of(
                new Status.Connection(
                    "ab",
                    "127.0.0.1:5000",
                    "socks5",
                    "db.tail1234.ts.net:22",
                    "relaying",
                    10,
                    20,
                    1000,
                    1000,
                    "ssh",
                    null)),
            List.of(new Status.TargetCount("db.tail1234.ts.net:22", 1))),
        List.of(
            new Status.Refusal(
                Instant.now().toString(),
                "127.0.0.1:5001",
                "http",
                "169.254.169.254:80",
                "builtin:link-local",
                "refused")),
        List.of(
            new Status.Peer(
                "db.tail1234.ts.net",
                List.of("100.64.0.2"),
                "linux",
                true,
                List.of("tag:db"),
                true,
                List.of(),
                "tailnet:22",
                "tailnet:22")));
  }

  @BeforeEach
  void start() throws Exception {
    group = Transports.best().newGroup(1);
    server = start(null);
  }

  private AdminServer start(Credentials credentials) throws Exception {
    AdminRoutes routes =
        new AdminRoutes(status::get, metrics, () -> Pac.of("127.0.0.1:1080", "tail1234.ts.net"));
    return AdminServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        routes,
        credentials,
        group,
        Transports.best());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private HttpResponse<String> get(AdminServer s, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.address().getPort() + path))
            .timeout(Duration.ofSeconds(5));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/, text/html; charset=utf-8, <title>tailgate</title>",
    "/app.js, text/javascript; charset=utf-8, /api/status",
    "/app.css, text/css; charset=utf-8, .badge",
    "/api/status, application/json, \"magic_dns_suffix\" : \"tail1234.ts.net\"",
    "/api/status, application/json, \"client_cmd\" : \"ssh\"",
    "/app.js, text/javascript; charset=utf-8, x.client_uid",
    "/healthz, text/plain; charset=utf-8, ok",
    "/proxy.pac, application/x-ns-proxy-autoconfig, FindProxyForURL",
    "/metrics, text/plain; version=0.0.4; charset=utf-8, tailgate_upstream_dial",
  })
  void servesEachEndpointWithItsType(String path, String type, String body) throws Exception {
    HttpResponse<String> r = get(server, path);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue(type);
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
    assertThat(r.body()).contains(body);
  }

  @Test
  void healthIs503WithTheReasonWhenTailscaledIsNotRunning() throws Exception {
    status.set(status("recovering", true));

    HttpResponse<String> text = get(server, "/healthz");
    HttpResponse<String> json = get(server, "/healthz?format=json");

    assertThat(text.statusCode()).isEqualTo(503);
    assertThat(text.body()).isEqualTo("tailscaled is recovering: tailscaled (pid 41) exited\n");
    assertThat(json.statusCode()).isEqualTo(503);
    assertThat(json.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(json.body()).contains("\"ok\" : false");
  }

  @Test
  void healthIs503WhenTheRelayDoesNotListen() throws Exception {
    status.set(status("running", false));

    assertThat(get(server, "/healthz").statusCode()).isEqualTo(503);
  }

  @Test
  void metricsCountLocalConnectionsByUidWithBoundedLabels() throws Exception {
    for (int uid = 0; uid < Metrics.MAX_UID_LABELS + 8; uid++) {
      metrics.record(local(new ConnectionEvent.LocalClient(uid, null, null, null)));
    }
    metrics.record(local(new ConnectionEvent.LocalClient(null, null, null, "gone")));

    String text = get(server, "/metrics").body();

    assertThat(text)
        .contains("tailgate_local_connections_total{uid=\"0\"} 1.0")
        .contains("tailgate_local_connections_total{uid=\"31\"} 1.0")
        .doesNotContain("uid=\"32\"")
        .contains("tailgate_local_connections_total{uid=\"other\"} 8.0")
        .contains("tailgate_local_connections_total{uid=\"unknown\"} 1.0");
  }

  private static ConnectionEvent local(ConnectionEvent.LocalClient who) {
    return new ConnectionEvent(
        Instant.now(),
        "a",
        "127.0.0.1:1",
        "socks5",
        "x",
        22,
        "allow",
        "x:22",
        null,
        "ok",
        1,
        1,
        1,
        "client",
        who,
        null,
        0,
        null);
  }

  @Test
  void metricsCountConnectionsByResultAndDenialsByRule() throws Exception {
    metrics.record(
        new ConnectionEvent(
            Instant.now(),
            "a",
            "127.0.0.1:1",
            "socks5",
            "x",
            22,
            "deny",
            null,
            "no rule",
            "denied",
            0,
            0,
            1,
            "relay",
            null,
            null,
            0,
            null));
    metrics.record(
        new ConnectionEvent(
            Instant.now(),
            "b",
            "127.0.0.1:2",
            "http",
            "y",
            443,
            "allow",
            "tailnet:*",
            null,
            "ok",
            100,
            2000,
            5,
            "client",
            null,
            null,
            0,
            null));
    metrics.record(
        new ConnectionEvent(
            Instant.now(),
            "b",
            "127.0.0.1:2",
            "http",
            "y",
            80,
            "deny",
            null,
            "no rule",
            "denied",
            0,
            0,
            1,
            "relay",
            null,
            "GET",
            403,
            null));
    metrics.dialed(TimeUnit.MILLISECONDS.toNanos(12), true);

    String text = get(server, "/metrics").body();

    assertThat(text)
        .contains("tailgate_connections_total{proto=\"socks5\",result=\"denied\"} 1.0")
        .contains("tailgate_connections_total{proto=\"http\",result=\"ok\"} 1.0")
        .contains("tailgate_denials_total{rule=\"none\"} 1.0")
        .contains("tailgate_bytes_down_bytes_sum 2000.0")
        .contains("tailgate_upstream_dial_seconds_count{outcome=\"ok\"} 1");
  }

  @Test
  void isReadOnly() throws Exception {
    HttpRequest post =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.address().getPort() + "/api/status"))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();

    assertThat(http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
    assertThat(get(server, "/nope").statusCode()).isEqualTo(404);
  }

  @Test
  void asksForCredentialsWhenConfigured() throws Exception {
    try (AdminServer guarded = start(Credentials.of("ops", "pw"))) {
      HttpResponse<String> anonymous = get(guarded, "/api/status");
      String token = Base64.getEncoder().encodeToString("ops:pw".getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> authed = get(guarded, "/api/status", "Authorization", "Basic " + token);

      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("www-authenticate"))
          .hasValue("Basic realm=\"tailgate admin\"");
      assertThat(authed.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void thePageKeepsScriptsAndStylesToItsOwnFiles() throws Exception {
    HttpResponse<String> page = get(server, "/");

    assertThat(page.headers().firstValue("content-security-policy"))
        .hasValueSatisfying(v -> assertThat(v).contains("default-src 'self'"));
    assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=");
  }
}
