package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import io.netty.channel.EventLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain HTTP forwarding on real sockets: the relay with a direct dialer in front of a real HTTP
 * server on loopback, and the clients users point at it with {@code http_proxy}: curl, wget,
 * Python's urllib and requests, and git cloning a repository over the dumb HTTP protocol.
 */
class HttpForwardingRealClientsTest {
  private static final String PAGE = "hello from the target\n";
  private static final long BIG = 256L << 20;
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

  @TempDir static Path dir;

  private static HttpServer target;
  private static int port;
  private static EventLoopGroup group;
  private static DirectDialer dialer;
  private static RelayServer relay;
  private static final RecordingLog log = new RecordingLog();

  @BeforeAll
  static void start() throws Exception {
    target = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    target.createContext("/", e -> reply(e, PAGE.getBytes(StandardCharsets.UTF_8)));
    target.createContext("/big", HttpForwardingRealClientsTest::big);
    target.createContext("/upload", HttpForwardingRealClientsTest::upload);
    target.createContext("/repo.git", HttpForwardingRealClientsTest::file);
    target.start();
    port = target.getAddress().getPort();
    Transports t = Transports.best();
    group = t.newGroup(2);
    dialer = new DirectDialer(t, Duration.ofSeconds(5));
    relay =
        RelayServer.start(
            new RelaySettings(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                RelaySettings.DEFAULT_HANDSHAKE_TIMEOUT,
                RelaySettings.DEFAULT_DIAL_TIMEOUT,
                Duration.ofMinutes(1),
                null),
            Allowlist.parse(List.of("localhost:" + port, "127.0.0.1:" + port)),
            dialer,
            UpstreamGate.OPEN,
            log,
            new RelayStats(),
            group,
            t);
  }

  @AfterAll
  static void stop() throws Exception {
    relay.close();
    dialer.close();
    target.stop(0);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private static void reply(HttpExchange e, byte[] body) throws IOException {
    e.sendResponseHeaders(200, body.length);
    e.getResponseBody().write(body);
    e.close();
  }

  /** BIG bytes, chunked (length 0 tells the JDK server to chunk). */
  private static void big(HttpExchange e) throws IOException {
    e.sendResponseHeaders(200, 0);
    byte[] block = new byte[64 << 10];
    try (OutputStream out = e.getResponseBody()) {
      for (long sent = 0; sent < BIG; sent += block.length) {
        out.write(block);
      }
    }
  }

  /** Answers the number of bytes the request's body had. */
  private static void upload(HttpExchange e) throws IOException {
    long total = 0;
    byte[] buf = new byte[64 << 10];
    try (InputStream in = e.getRequestBody()) {
      for (int n; (n = in.read(buf)) > 0; ) {
        total += n;
      }
    }
    reply(e, Long.toString(total).getBytes(StandardCharsets.US_ASCII));
  }

  /** Serves the bare repository's files as they are: git's dumb HTTP protocol. */
  private static void file(HttpExchange e) throws IOException {
    Path file = dir.resolve(e.getRequestURI().getPath().substring(1)).normalize();
    if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
      e.sendResponseHeaders(404, -1);
      e.close();
      return;
    }
    reply(e, Files.readAllBytes(file));
  }

  private static String proxy() {
    return "http://127.0.0.1:" + relay.address().getPort();
  }

  private static Map<String, String> proxyEnv() {
    return Map.of("http_proxy", proxy(), "HTTP_PROXY", proxy(), "no_proxy", "", "NO_PROXY", "");
  }

  private static RunningProcess.Result run(String... command) throws Exception {
    return RunningProcess.run(List.of(command), new byte[0], CLIENT_TIMEOUT, proxyEnv());
  }

  private static List<ConnectionEvent> requests() {
    return log.events().stream().filter(ConnectionEvent::isRequest).toList();
  }

  /** The request lines once there are {@code n}: each is written just after its response. */
  private static List<ConnectionEvent> awaitRequests(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (requests().size() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return requests();
  }

  @Test
  void servesSeveralRequestsForDifferentHostsOnOneConnection() throws Exception {
    int before = requests().size();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), relay.address().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      for (String host : List.of("localhost", "127.0.0.1", "localhost")) {
        out.write(
            ("GET http://" + host + ":" + port + "/ HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
        int length = -1;
        for (String line; !(line = in.readLine()).isEmpty(); ) {
          if (line.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        char[] body = new char[length];
        assertThat(in.read(body)).isEqualTo(PAGE.length());
        assertThat(new String(body)).isEqualTo(PAGE);
      }
    }
    List<ConnectionEvent> requests = awaitRequests(before + 3);
    assertThat(requests).hasSize(before + 3);
    assertThat(requests.subList(before, before + 3))
        .extracting(ConnectionEvent::targetHost)
        .containsExactly("localhost", "127.0.0.1", "localhost");
    assertThat(requests.subList(before, before + 3))
        .extracting(ConnectionEvent::id)
        .containsOnly(requests.get(before).id());
  }

  @Test
  void curlWithHttpProxyFetchesAndIsRefusedWhereTheAllowlistSaysSo() throws Exception {
    String curl = ExternalTool.require("curl", "curl").toString();

    RunningProcess.Result ok = run(curl, "-sS", "-i", "http://localhost:" + port + "/");
    RunningProcess.Result denied = run(curl, "-sS", "-i", "http://localhost:9/");

    assertThat(ok.output()).contains("HTTP/1.1 200", "via: 1.1 tailgate", PAGE.strip());
    assertThat(denied.output()).contains("HTTP/1.1 403", "no allow rule matches localhost:9");
  }

  @Test
  void curlStreamsALargeDownloadAndUploadIntact() throws Exception {
    String curl = ExternalTool.require("curl", "curl").toString();
    Path upload = dir.resolve("upload.bin");
    try (OutputStream out = Files.newOutputStream(upload)) {
      byte[] block = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        out.write(block);
      }
    }

    RunningProcess.Result down =
        run(
            curl,
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{size_download} %{speed_download}",
            "http://localhost:" + port + "/big");
    RunningProcess.Result up =
        run(
            curl,
            "-sS",
            "-H",
            "Transfer-Encoding: chunked",
            "--data-binary",
            "@" + upload,
            "-w",
            " %{speed_upload}",
            "http://localhost:" + port + "/upload");

    System.out.println("plain HTTP through tailgate: download bytes, B/s: " + down.output());
    System.out.println("plain HTTP through tailgate: upload bytes, B/s: " + up.output());
    assertThat(down.output()).startsWith(BIG + " ");
    assertThat(up.output()).startsWith((64L << 20) + " ");
  }

  @Test
  void wgetFetchesThroughTheProxy() throws Exception {
    String wget = ExternalTool.require("wget", "wget").toString();

    RunningProcess.Result r = run(wget, "-q", "-O", "-", "http://localhost:" + port + "/");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).isEqualTo(PAGE);
  }

  @Test
  void pythonUrllibAndRequestsFetchThroughTheProxy() throws Exception {
    String python = ExternalTool.require("python3", "python3").toString();
    String url = "http://localhost:" + port + "/";

    RunningProcess.Result urllib =
        run(
            python,
            "-c",
            "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
            url);
    RunningProcess.Result requests =
        run(
            python,
            "-c",
            "import sys\ntry:\n import requests\nexcept ImportError:\n sys.stdout.write('skip'); sys.exit()\nsys.stdout.write(requests.get(sys.argv[1]).text)",
            url);

    assertThat(urllib.output()).isEqualTo(PAGE);
    assertThat(requests.output()).isIn(PAGE, "skip");
  }

  @Test
  void gitClonesARepositoryOverDumbHttp() throws Exception {
    String git = ExternalTool.require("git", "git").toString();
    Path work = dir.resolve("work");
    Map<String, String> env = Map.of("GIT_CONFIG_NOSYSTEM", "1", "HOME", dir.toString());
    List<List<String>> setup = new ArrayList<>();
    setup.add(List.of(git, "init", "-q", work.toString()));
    setup.add(
        List.of(
            git,
            "-C",
            work.toString(),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "through tailgate"));
    setup.add(
        List.of(git, "clone", "-q", "--bare", work.toString(), dir.resolve("repo.git").toString()));
    setup.add(List.of(git, "-C", dir.resolve("repo.git").toString(), "update-server-info"));
    for (List<String> command : setup) {
      RunningProcess.Result r = RunningProcess.run(command, new byte[0], CLIENT_TIMEOUT, env);
      assertThat(r.exitCode()).as(r.output()).isZero();
    }
    int before = requests().size();

    RunningProcess.Result clone =
        run(
            git,
            "clone",
            "-q",
            "http://localhost:" + port + "/repo.git",
            dir.resolve("clone").toString());
    RunningProcess.Result logLine =
        RunningProcess.run(
            List.of(git, "-C", dir.resolve("clone").toString(), "log", "--format=%s"),
            new byte[0],
            CLIENT_TIMEOUT,
            env);

    assertThat(clone.exitCode()).as(clone.output()).isZero();
    assertThat(logLine.output().strip()).isEqualTo("through tailgate");
    assertThat(requests().size())
        .as("requests the clone sent through tailgate")
        .isGreaterThan(before + 1);
  }
}
