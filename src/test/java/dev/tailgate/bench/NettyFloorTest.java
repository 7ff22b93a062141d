package dev.tailgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.EchoServer;
import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SocksClient;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/bench/NettyFloor.java, bench-relay's "netty" reference, still compiles against the netty
 * that tailgate ships and still relays: run from its source as the bench runs it, with this JVM and
 * the test classpath (tailgate's netty) in place of the jar.
 */
class NettyFloorTest {
  @TempDir Path dir;

  @Test
  void relaysASocks5ConnectFromItsSource() throws Exception {
    int port = ExternalTool.freePort();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    try (EchoServer target = new EchoServer();
        RunningProcess floor =
            RunningProcess.listening(
                List.of(
                    java.toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    "scripts/bench/NettyFloor.java",
                    Integer.toString(port)),
                dir.resolve("floor.out"),
                port);
        Socket tunnel =
            SocksClient.tunnel(
                new InetSocketAddress("127.0.0.1", port), "127.0.0.1", target.port())) {
      assertThat(SocksClient.echo(tunnel, "through the floor")).isEqualTo("through the floor");
      assertThat(floor.output()).contains("netty-floor: listening on 127.0.0.1:" + port);
    }
  }
}
