package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.SocksClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tailgate up} as a user runs it: its own JVM, a config file, SIGTERM to stop. */
class UpProcessTest {
  private static final Pattern READY = Pattern.compile("relay on 127\\.0\\.0\\.1:(\\d+) ");

  @Test
  void servesFromAConfigFileAndFlushesItsLogOnSigterm(@TempDir Path dir) throws Exception {
    try (EchoServer echo = new EchoServer()) {
      Path config = dir.resolve("tailgate.yaml");
      Path log = dir.resolve("connections.log");
      Files.writeString(
          config,
          "listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\nupstream: direct\nno-bootstrap: true\nallow:\n  - \"127.0.0.1:"
              + echo.port()
              + "\"\nlog-file: "
              + log
              + "\n");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process up =
          new ProcessBuilder(
                  List.of(
                      java,
                      "-cp",
                      System.getProperty("java.class.path"),
                      Main.class.getName(),
                      "up",
                      "--config",
                      config.toString()))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        int port = readyPort(up);
        try (Socket s = SocksClient.open(new InetSocketAddress("127.0.0.1", port))) {
          assertThat(SocksClient.connect(s, "127.0.0.1", echo.port())).isZero();
          s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
          assertThat(s.getInputStream().readNBytes(2)).isEqualTo("hi".getBytes());
        }
        try (Socket s = SocksClient.open(new InetSocketAddress("127.0.0.1", port))) {
          assertThat(SocksClient.connect(s, "127.0.0.1", echo.port() == 1 ? 2 : 1)).isEqualTo(2);
        }
      } finally {
        up.destroy();
        assertThat(up.waitFor(10, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
      }

      List<String> lines = Files.readAllLines(log);
      assertThat(lines).hasSize(2);
      // Each line is written when its connection ends, which need not be the order they began.
      assertThat(lines)
          .anySatisfy(l -> assertThat(l).contains("\"result\":\"ok\"").contains("\"bytes_up\":2"))
          .anySatisfy(l -> assertThat(l).contains("\"result\":\"denied\""));
    }
  }

  private static int readyPort(Process up) throws Exception {
    BufferedReader err =
        new BufferedReader(new InputStreamReader(up.getErrorStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (String line; System.nanoTime() < deadline && (line = err.readLine()) != null; ) {
      seen.append(line).append('\n');
      Matcher m = READY.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("tailgate up never said it was ready; stderr:\n" + seen);
  }
}
