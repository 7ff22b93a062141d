package dev.tailgate.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Package managers through the forwarder on real sockets, each against a repository served on
 * loopback and made here: {@code pip download} from a simple index holding a wheel built on the
 * fly, and {@code apt-get update} and {@code apt-get download} with {@code Acquire::http::Proxy}
 * from a flat repository made with {@code dpkg-deb} and {@code dpkg-scanpackages}. Each asserts
 * that its requests went through the relay's log.
 */
class PackageClientsTest {
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(120);

  @TempDir static Path dir;

  private static Path served;
  private static HttpServer server;
  private static int port;
  private static DirectRelay relay;
  private static final RecordingLog log = new RecordingLog();

  @BeforeAll
  static void start() throws Exception {
    served = Files.createDirectories(dir.resolve("www"));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/", PackageClientsTest::file);
    server.start();
    port = server.getAddress().getPort();
    relay = DirectRelay.start(List.of("127.0.0.1:" + port), log);
  }

  @AfterAll
  static void stop() throws Exception {
    relay.close();
    server.stop(0);
  }

  /** Serves the files under {@link #served}; a directory's {@code index.html} for its path. */
  private static void file(HttpExchange e) throws IOException {
    Path file = served.resolve(e.getRequestURI().getPath().substring(1)).normalize();
    if (Files.isDirectory(file)) {
      file = file.resolve("index.html");
    }
    if (!file.startsWith(served) || !Files.isRegularFile(file)) {
      e.sendResponseHeaders(404, -1);
      e.close();
      return;
    }
    byte[] body = Files.readAllBytes(file);
    if (file.toString().endsWith(".html")) {
      e.getResponseHeaders().set("Content-Type", "text/html"); // pip reads no other index page
    }
    e.sendResponseHeaders(200, "HEAD".equals(e.getRequestMethod()) ? -1 : body.length);
    try (OutputStream out = e.getResponseBody()) {
      if (!"HEAD".equals(e.getRequestMethod())) {
        out.write(body);
      }
    }
  }

  private static String proxy() {
    return "http://127.0.0.1:" + relay.port();
  }

  /** The request lines the relay logged for paths it served, after {@code before} of them. */
  private static List<ConnectionEvent> requestsSince(int before) throws InterruptedException {
    Thread.sleep(200); // a request's line is written just after its response
    List<ConnectionEvent> requests =
        log.events().stream().filter(ConnectionEvent::isRequest).toList();
    return requests.subList(before, requests.size());
  }

  private static int requestCount() {
    return (int) log.events().stream().filter(ConnectionEvent::isRequest).count();
  }

  @Test
  void pipDownloadsAWheelFromALocalIndexThroughTheProxy() throws Exception {
    String python = ExternalTool.require("python3", "python3").toString();
    String wheel = "tgdemo-1.0-py3-none-any.whl";
    writeWheel(Files.createDirectories(served.resolve("files")).resolve(wheel));
    Path index = Files.createDirectories(served.resolve("simple/tgdemo"));
    Files.writeString(
        index.resolve("index.html"),
        "<html><body><a href=\"/files/" + wheel + "\">" + wheel + "</a></body></html>\n");
    Path dest = dir.resolve("pip-dest");
    int before = requestCount();

    RunningProcess.Result r =
        RunningProcess.run(
            List.of(
                python,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--index-url",
                "http://127.0.0.1:" + port + "/simple/",
                "--trusted-host",
                "127.0.0.1",
                "--dest",
                dest.toString(),
                "tgdemo"),
            new byte[0],
            CLIENT_TIMEOUT,
            Map.of(
                "http_proxy",
                proxy(),
                "HTTP_PROXY",
                proxy(),
                "no_proxy",
                "",
                "NO_PROXY",
                "",
                "PIP_CONFIG_FILE",
                "/dev/null"));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve(wheel)).exists();
    assertThat(requestsSince(before))
        .extracting(ConnectionEvent::status)
        .as("the index page and the wheel, through tailgate")
        .contains(200)
        .hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void aptGetUpdatesAndDownloadsFromALocalRepositoryThroughAcquireHttpProxy() throws Exception {
    String aptGet = ExternalTool.require("apt-get", "apt").toString();
    String dpkgDeb = ExternalTool.require("dpkg-deb", "dpkg").toString();
    String scan = ExternalTool.require("dpkg-scanpackages", "dpkg-dev").toString();
    Path pkg = Files.createDirectories(dir.resolve("pkg/DEBIAN"));
    Files.writeString(
        pkg.resolve("control"),
        "Package: tgdemo\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.com>\n"
            + "Description: a package served through tailgate\n");
    Path apt = Files.createDirectories(dir.resolve("apt"));
    for (String sub : List.of("lists/partial", "cache/archives/partial", "out")) {
      Files.createDirectories(apt.resolve(sub));
    }
    Files.writeString(apt.resolve("status"), "");
    Files.writeString(
        apt.resolve("sources.list"), "deb [trusted=yes] http://127.0.0.1:" + port + "/ ./\n");
    run(served, dpkgDeb, "-b", pkg.getParent().toString(), "tgdemo_1.0_all.deb");
    run(served, "sh", "-c", "\"$0\" . /dev/null > Packages", scan);
    List<String> options = new ArrayList<>();
    Map<String, String> settings = new HashMap<>();
    settings.put("Dir::Etc::SourceList", apt.resolve("sources.list").toString());
    settings.put("Dir::Etc::SourceParts", "/dev/null");
    settings.put("Dir::Etc::Parts", "/dev/null");
    settings.put("Dir::State::Lists", apt.resolve("lists").toString());
    settings.put("Dir::Cache", apt.resolve("cache").toString());
    settings.put("Dir::State::status", apt.resolve("status").toString());
    settings.put("Debug::NoLocking", "1");
    settings.put("APT::Sandbox::User", System.getProperty("user.name"));
    settings.put("Acquire::Languages", "none");
    settings.put("Acquire::http::Proxy", proxy());
    settings.forEach((k, v) -> options.addAll(List.of("-o", k + "=" + v)));
    int before = requestCount();

    List<String> update = new ArrayList<>(List.of(aptGet, "-q"));
    update.addAll(options);
    update.add("update");
    List<String> download = new ArrayList<>(List.of(aptGet, "-q"));
    download.addAll(options);
    download.addAll(List.of("download", "tgdemo"));
    RunningProcess.Result updated = run(apt, update.toArray(String[]::new));
    RunningProcess.Result downloaded = run(apt.resolve("out"), download.toArray(String[]::new));

    assertThat(updated.output()).contains("Packages");
    assertThat(apt.resolve("out/tgdemo_1.0_all.deb")).exists();
    assertThat(downloaded.exitCode()).isZero();
    assertThat(requestsSince(before))
        .filteredOn(e -> e.status() == 200)
        .as("Packages and the .deb, through tailgate")
        .hasSizeGreaterThanOrEqualTo(2);
  }

  /** Runs {@code command} in {@code cwd} and expects it to succeed. */
  private static RunningProcess.Result run(Path cwd, String... command) throws Exception {
    List<String> inDir =
        new ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec \"$@\"", cwd.toString()));
    inDir.addAll(List.of(command));
    RunningProcess.Result r = RunningProcess.run(inDir, new byte[0], CLIENT_TIMEOUT);
    assertThat(r.exitCode()).as(inDir + ": " + r.output()).isZero();
    return r;
  }

  /** A pure-Python wheel with one module: the zip layout and metadata files of PEP 427. */
  private static void writeWheel(Path wheel) throws IOException {
    Map<String, String> files = new HashMap<>();
    files.put("tgdemo.py", "GREETING = 'through tailgate'\n");
    files.put(
        "tgdemo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tgdemo\nVersion: 1.0\n");
    files.put(
        "tgdemo-1.0.dist-info/WHEEL",
        "Wheel-Version: 1.0\nGenerator: tailgate-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
    StringBuilder record = new StringBuilder();
    files.keySet().forEach(name -> record.append(name).append(",,\n"));
    record.append("tgdemo-1.0.dist-info/RECORD,,\n");
    files.put("tgdemo-1.0.dist-info/RECORD", record.toString());
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(wheel))) {
      for (Map.Entry<String, String> f : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(f.getKey()));
        zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
  }
}
