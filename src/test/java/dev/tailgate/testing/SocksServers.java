package dev.tailgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Real SOCKS5 servers from Debian standing in for tailscaled's port 1055: microsocks and Dante,
 * each on a free loopback port, admitting loopback clients to loopback targets only.
 */
public final class SocksServers {
  private SocksServers() {}

  /** A started server and its port. */
  public record Server(String name, int port, RunningProcess process) implements AutoCloseable {
    @Override
    public void close() {
      process.close();
    }
  }

  public static Server microsocks(Path dir) throws IOException {
    Path bin = ExternalTool.require("microsocks", "microsocks");
    int port = ExternalTool.freePort();
    return new Server(
        "microsocks",
        port,
        RunningProcess.listening(
            List.of(bin.toString(), "-i", "127.0.0.1", "-p", String.valueOf(port)),
            dir.resolve("microsocks.log"),
            port));
  }

  public static Server dante(Path dir) throws IOException {
    Path bin = ExternalTool.require("danted", "dante-server");
    int port = ExternalTool.freePort();
    Path conf = dir.resolve("danted.conf");
    Files.writeString(conf, danteConfig(port, dir.resolve("danted.log")));
    return new Server(
        "dante",
        port,
        RunningProcess.listening(
            List.of(
                bin.toString(), "-f", conf.toString(), "-p", dir.resolve("danted.pid").toString()),
            dir.resolve("danted.out"),
            port));
  }

  /** A minimal Dante config: no auth, loopback in, loopback out. */
  public static String danteConfig(int port, Path log) {
    return String.join(
        "\n",
        "logoutput: " + log,
        "internal: 127.0.0.1 port = " + port,
        "external: 127.0.0.1",
        "clientmethod: none",
        "socksmethod: none",
        "user.privileged: root",
        "user.unprivileged: nobody",
        "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
        "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }",
        "");
  }
}
