package dev.tailgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A second real userspace tailscaled in the namespace, logged in to headscale by hand (as a script
 * would, not by tailgate), with its own socket, state dir, WireGuard port and SOCKS5 port.
 * Connections to its tailnet address are forwarded by tailscaled to the same port on 127.0.0.1,
 * where the test's sshd and web server listen.
 */
final class PeerNode implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final String hostname;
  final Path socket;
  final Path log;
  private final Path tailscale;
  private final RunningProcess daemon;

  private PeerNode(String hostname, Path socket, Path log, Path tailscale, RunningProcess daemon) {
    this.hostname = hostname;
    this.socket = socket;
    this.log = log;
    this.tailscale = tailscale;
    this.daemon = daemon;
  }

  /**
   * Starts tailscaled in {@code ns} and logs it in with {@code key}; returns once it is Running.
   *
   * @param env knobs for tailscaled (see {@link RealTailnet#TAILSCALED_ENV})
   */
  static PeerNode start(
      NetNamespace ns,
      Path tailscaled,
      Path tailscale,
      Path dir,
      Path log,
      String hostname,
      int wgPort,
      int socksPort,
      String key,
      List<String> upFlags,
      Map<String, String> env)
      throws IOException, InterruptedException {
    return start(
        ns, tailscaled, tailscale, dir, log, hostname, wgPort, socksPort, key, upFlags, env, null);
  }

  /**
   * As above; with {@code etcSsh}, tailscaled runs in a mount namespace of its own where that
   * directory is /etc/ssh. tailscaled run as root serves Tailscale SSH with the system's host keys
   * from /etc/ssh when there are some, else with keys it makes in its state dir's ssh/; an empty
   * directory there gives the peer keys of its own, which the test may change.
   */
  static PeerNode start(
      NetNamespace ns,
      Path tailscaled,
      Path tailscale,
      Path dir,
      Path log,
      String hostname,
      int wgPort,
      int socksPort,
      String key,
      List<String> upFlags,
      Map<String, String> env,
      Path etcSsh)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path socket = dir.resolve("tailscaled.sock");
    List<String> command = new ArrayList<>();
    if (etcSsh != null) {
      Files.createDirectories(etcSsh);
      command.addAll(
          List.of(
              "unshare",
              "--mount",
              "--propagation",
              "private",
              "sh",
              "-c",
              "mount --bind \"$0\" /etc/ssh && exec \"$@\"",
              etcSsh.toString()));
    }
    command.addAll(
        List.of(
            tailscaled.toString(),
            "--tun=userspace-networking",
            "--statedir=" + dir.resolve("state"),
            "--socket=" + socket,
            "--port=" + wgPort,
            "--socks5-server=127.0.0.1:" + socksPort));
    RunningProcess daemon = RunningProcess.start(ns.exec(env, command), log);
    PeerNode node = new PeerNode(hostname, socket, log, tailscale, daemon);
    try {
      node.awaitSocket(Duration.ofSeconds(30));
      Path keyFile = dir.resolve("authkey");
      Files.writeString(keyFile, key);
      Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
      List<String> up =
          new ArrayList<>(
              List.of(
                  "up",
                  "--login-server=" + Headscale.URL,
                  "--auth-key=file:" + keyFile,
                  "--hostname=" + hostname,
                  "--timeout=60s"));
      up.addAll(upFlags);
      RunningProcess.Result r = node.cli(up, Duration.ofSeconds(90));
      if (r.exitCode() != 0) {
        throw new IOException("tailscale up for " + hostname + ": " + r.output().strip());
      }
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  private void awaitSocket(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!daemon.process().isAlive()) {
        throw new IOException("tailscaled of " + hostname + " exited: " + daemon.output());
      }
      if (Files.exists(socket)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IOException("tailscaled of " + hostname + " made no socket within " + timeout);
  }

  /** {@code tailscale status --json} of this node. */
  JsonNode status() throws IOException, InterruptedException {
    return status(tailscale, socket);
  }

  static JsonNode status(Path tailscale, Path socket) throws IOException, InterruptedException {
    RunningProcess.Result r =
        RunningProcess.run(
            List.of(tailscale.toString(), "--socket=" + socket, "status", "--json"),
            new byte[0],
            Duration.ofSeconds(20));
    if (r.exitCode() != 0) {
      throw new IOException("tailscale status: " + r.output().strip());
    }
    String out = r.output();
    return JSON.readTree(out.substring(out.indexOf('{')));
  }

  /** The node's MagicDNS name, without the trailing dot. */
  String dnsName() throws IOException, InterruptedException {
    return status().path("Self").path("DNSName").asText().replaceAll("\\.$", "");
  }

  RunningProcess.Result cli(List<String> args, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(tailscale.toString(), "--socket=" + socket));
    command.addAll(args);
    return RunningProcess.run(command, new byte[0], timeout);
  }

  @Override
  public void close() {
    daemon.close();
  }
}
