package dev.tailgate.e2e;

import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A network namespace of the test's own with only a loopback interface: every daemon and client of
 * the e2e runs in it, so nothing they send can leave the machine (there is no route), and
 * tailscaled, finding no interface but loopback, offers 127.0.0.1 as its endpoint.
 *
 * <p>Named {@code tailgate-e2e-<pid>}; one left by a test JVM that died is removed at the next
 * start. Unix sockets are not bound to a namespace, so the test reaches LocalAPI and headscale's
 * socket from outside.
 */
final class NetNamespace implements AutoCloseable {
  private static final String PREFIX = "tailgate-e2e-";
  private static final Duration IP_TIMEOUT = Duration.ofSeconds(20);

  final String name;

  private NetNamespace(String name) {
    this.name = name;
  }

  /** Makes the namespace and brings its loopback up. */
  static NetNamespace create() throws IOException, InterruptedException {
    removeStale();
    NetNamespace ns = new NetNamespace(PREFIX + ProcessHandle.current().pid());
    ip("netns", "add", ns.name);
    try {
      // `ip netns exec` mounts /etc/netns/NAME/resolv.conf over /etc/resolv.conf: a name that
      // tailscaled sends to the system resolver (one outside MagicDNS, or any before Running)
      // is then asked of 127.0.0.1:53, where nothing listens, not of the host's resolver.
      Path etc = ns.etcDir();
      Files.createDirectories(etc);
      Files.writeString(etc.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
      ns.run(List.of("ip", "link", "set", "lo", "up"));
      String links = ns.run(List.of("ip", "-o", "link")).output();
      if (links.lines().count() != 1 || !links.contains(": lo:")) {
        throw new IOException("namespace " + ns.name + " has more than loopback: " + links);
      }
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  /** {@code command} prefixed so that it runs inside the namespace. */
  List<String> exec(List<String> command) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
    all.addAll(command);
    return all;
  }

  /** {@code command} run inside with these variables added to its environment. */
  List<String> exec(Map<String, String> env, List<String> command) {
    List<String> all = new ArrayList<>(List.of("env"));
    env.forEach((k, v) -> all.add(k + "=" + v));
    all.addAll(command);
    return exec(all);
  }

  /** Runs a short command inside; fails unless it exits 0. */
  RunningProcess.Result run(List<String> command) throws IOException, InterruptedException {
    RunningProcess.Result r = RunningProcess.run(exec(command), new byte[0], IP_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new IOException(command + " exited " + r.exitCode() + ": " + r.output().strip());
    }
    return r;
  }

  /** Waits until something inside accepts on 127.0.0.1:{@code port} ({@code nc -z}). */
  void awaitListening(int port, Duration timeout, Process process)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (process != null && !process.isAlive()) {
        throw new IOException(
            "exited with " + process.exitValue() + " before listening on " + port);
      }
      List<String> probe =
          exec(List.of("nc", "-z", "-w", "1", "127.0.0.1", Integer.toString(port)));
      if (RunningProcess.run(probe, new byte[0], Duration.ofSeconds(5)).exitCode() == 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IOException(
        "nothing listened on 127.0.0.1:" + port + " in " + name + " within " + timeout);
  }

  private Path etcDir() {
    return Path.of("/etc/netns", name);
  }

  /** Kills what still runs inside (by pid, each one ours), then deletes the namespace. */
  @Override
  public void close() {
    killAllIn(name);
    try {
      Files.deleteIfExists(etcDir().resolve("resolv.conf"));
      Files.deleteIfExists(etcDir());
    } catch (IOException e) {
      System.err.println("e2e: could not remove " + etcDir() + ": " + e);
    }
    try {
      ip("netns", "delete", name);
    } catch (IOException | InterruptedException e) {
      System.err.println("e2e: could not delete network namespace " + name + ": " + e);
    }
  }

  private static void killAllIn(String ns) {
    try {
      RunningProcess.Result pids =
          RunningProcess.run(List.of("ip", "netns", "pids", ns), new byte[0], IP_TIMEOUT);
      for (String line : pids.output().split("\\s+")) {
        if (line.matches("\\d+")) {
          ProcessHandle.of(Long.parseLong(line)).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("e2e: could not list processes in " + ns + ": " + e);
    }
  }

  /** Namespaces of earlier runs whose JVM is gone. */
  private static void removeStale() throws IOException, InterruptedException {
    RunningProcess.Result list =
        RunningProcess.run(List.of("ip", "netns", "list"), new byte[0], IP_TIMEOUT);
    for (String line : list.output().split("\n")) {
      String ns = line.strip().split("\\s+")[0];
      if (!ns.startsWith(PREFIX)) {
        continue;
      }
      String pid = ns.substring(PREFIX.length());
      if (pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
        killAllIn(ns);
        new NetNamespace(ns).close();
      }
    }
  }

  private static void ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    RunningProcess.Result r = RunningProcess.run(command, new byte[0], IP_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new IOException(String.join(" ", command) + ": " + r.output().strip());
    }
  }
}
