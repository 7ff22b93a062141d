package dev.tailgate.e2e;

import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SshKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real OpenSSH sshd on the namespace's 127.0.0.1, with a throwaway host key and a throwaway
 * client key authorized for the user running the test; and the ssh command line that reaches it by
 * a MagicDNS name through a SOCKS5 relay, checking the host key strictly.
 */
final class Sshd implements AutoCloseable {
  final Path dir;
  final int port;
  final Path clientKey;
  final Path knownHosts;
  private final RunningProcess server;

  private Sshd(Path dir, int port, Path clientKey, Path knownHosts, RunningProcess server) {
    this.dir = dir;
    this.port = port;
    this.clientKey = clientKey;
    this.knownHosts = knownHosts;
    this.server = server;
  }

  /**
   * Starts sshd in {@code ns} on 127.0.0.1:{@code port}; {@code hostName} is the name clients use
   * (written into known_hosts).
   */
  static Sshd start(NetNamespace ns, Path dir, Path log, int port, String hostName)
      throws IOException, InterruptedException {
    Path sshd = ExternalTool.require("sshd", "openssh-server");
    SshKeys keys = SshKeys.make(dir);
    Path knownHosts = dir.resolve("known_hosts");
    // ssh looks a host on port 22 up by its bare name, on any other port as [name]:port.
    String known = port == 22 ? hostName : "[" + hostName + "]:" + port;
    Files.writeString(knownHosts, known + " " + keys.hostPublicKey() + "\n");
    Path config = dir.resolve("sshd_config");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "ListenAddress 127.0.0.1:" + port,
                "PidFile " + dir.resolve("sshd.pid"),
                "AllowUsers " + System.getProperty("user.name")));
    lines.addAll(keys.serverConfig());
    lines.addAll(List.of("LogLevel VERBOSE", ""));
    Files.writeString(config, String.join("\n", lines));
    Path clientKey = keys.clientKey();
    RunningProcess server =
        RunningProcess.start(
            ns.exec(List.of(sshd.toString(), "-D", "-e", "-f", config.toString())), log);
    Sshd s = new Sshd(dir, port, clientKey, knownHosts, server);
    try {
      ns.awaitListening(port, Duration.ofSeconds(20), server.process());
    } catch (IOException e) {
      s.close();
      throw new IOException(e.getMessage() + "; sshd said: " + server.output(), e);
    }
    return s;
  }

  /**
   * ssh to {@code host} through the SOCKS5 relay at 127.0.0.1:{@code relayPort}, running {@code
   * command}.
   */
  List<String> ssh(String host, int relayPort, String command) {
    return List.of(
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        clientKey.toString(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=" + knownHosts,
        "-o",
        "ConnectTimeout=30",
        "-o",
        "ProxyCommand=nc -X 5 -x 127.0.0.1:" + relayPort + " %h %p",
        "-p",
        Integer.toString(port),
        System.getProperty("user.name") + "@" + host,
        command);
  }

  @Override
  public void close() {
    server.close();
  }
}
