package dev.tailgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole e2e world, started in order and stopped in reverse: a network namespace, headscale, the
 * peer node with its web server and sshd, and tailgate (which brings up the gateway's tailscaled).
 * Logs of every daemon go to {@code target/e2e-logs/<time>/} and stay there.
 */
final class RealTailnet implements AutoCloseable {
  /**
   * The environment of every tailscaled (tailgate's too, which passes it on). With no interface but
   * loopback, tailscaled thinks the network is down: it pauses its control client and magicsock
   * refuses to send, unless told to assume it is up (the knob tailscale's own tests use). DERP over
   * plain HTTP, as headscale's embedded DERP is served on its http:// server_url. No log uploads.
   */
  static final Map<String, String> TAILSCALED_ENV = tailscaledEnv();

  /**
   * The knobs above, plus {@code -Dtailgate.e2e.tailscaledEnv=K=V,K=V} for an experiment (e.g.
   * {@code TS_DEBUG_ALWAYS_USE_DERP=1} to force every packet through DERP).
   */
  private static Map<String, String> tailscaledEnv() {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("TS_ASSUME_NETWORK_UP_FOR_TEST", "1");
    env.put("TS_DEBUG_USE_DERP_HTTP", "1");
    env.put("TS_NO_LOGS_NO_SUPPORT", "true");
    String more = System.getProperty("tailgate.e2e.tailscaledEnv", "");
    for (String kv : more.split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        env.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
      }
    }
    return Map.copyOf(env);
  }

  static final int RELAY_PORT = 1080;
  static final int GATEWAY_SOCKS_PORT = 1055;
  static final int PEER_WG_PORT = 41642;
  static final int PEER_SOCKS_PORT = 1056;
  static final int HTTP_PORT = 8000;
  static final int DENIED_PORT = 8001;

  /** Allowed, but nothing listens there on the peer: a dead target. */
  static final int DEAD_PORT = 8002;

  /**
   * sshd on the namespace's own 127.0.0.1:22 (the namespace is the test's, so port 22 is free): the
   * generated ssh_config and the inventory's allowlist check (port 22) then work unedited.
   */
  static final int SSH_PORT = 22;

  static final String PEER = "peer";
  static final String GATEWAY = "gateway";

  final Path logs;
  final Path run;
  final Timings timings;
  final Binaries bin;
  final String marker = "tailgate-e2e-" + Long.toHexString(System.nanoTime());
  private final List<AutoCloseable> stack = new ArrayList<>();

  /**
   * Set before {@link #startTailnet}: the peer serves Tailscale SSH ({@code tailscale up --ssh},
   * headscale's SSH rule) with host keys of its own ({@link PeerNode}), so port 22 of its tailnet
   * address is tailscaled's SSH server, not the test's sshd.
   */
  boolean tailscaleSsh;

  /**
   * Set before {@link #startTailnet}: how long headscale lets an ephemeral node stay away before it
   * removes it (null: headscale's default, 30 min).
   */
  Duration ephemeralTimeout;

  private String peerKey;

  NetNamespace ns;
  Headscale headscale;
  PeerNode peer;
  Sshd sshd;
  Clients clients;
  TailgateCli tailgate;
  RunningProcess gatewayUp;
  String peerName;
  long userId;
  Path gatewayState;
  Path gatewaySocket;
  Path connectionLog;
  Path gatewayKeyFile;
  Path httpdLog;
  Path tailgateLog;
  Path tailscaledLog;

  RealTailnet(Binaries bin) throws IOException {
    this.bin = bin;
    logs =
        Path.of(
                "target",
                "e2e-logs",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
            .toAbsolutePath();
    Files.createDirectories(logs);
    // Unix socket paths must stay short (108 bytes), so state and sockets live in /tmp.
    run =
        Files.createTempDirectory(
            "tg-e2e-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    timings = new Timings(logs.resolve("timings.txt"));
  }

  /** Everything but the gateway. */
  void startTailnet() throws Exception {
    long t = System.nanoTime();
    ns = NetNamespace.create();
    stack.add(ns);
    Thread hook = new Thread(ns::close, "e2e-netns-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    stack.add(() -> removeHook(hook));
    clients = new Clients(ns);
    timings.phase("network namespace (ip netns add, lo up)", Timings.since(t));

    t = System.nanoTime();
    headscale =
        Headscale.start(
            ns,
            bin.headscale(),
            run.resolve("headscale"),
            logs.resolve("headscale.log"),
            tailscaleSsh,
            ephemeralTimeout);
    stack.add(headscale);
    timings.phase("headscale serve until its CLI answers", Timings.since(t));

    t = System.nanoTime();
    userId = headscale.createUser(Headscale.USER);
    String reusable = headscale.createKey(userId, true, Headscale.TAG);
    timings.phase("headscale user and reusable tagged key", Timings.since(t));

    t = System.nanoTime();
    httpdLog = logs.resolve("peer-httpd-requests.jsonl");
    Path httpd = Path.of("src/test/e2e/peer_httpd.py").toAbsolutePath();
    RunningProcess web =
        RunningProcess.start(
            ns.exec(
                List.of(
                    "python3",
                    httpd.toString(),
                    "--log",
                    httpdLog.toString(),
                    "--marker",
                    marker,
                    Integer.toString(HTTP_PORT),
                    Integer.toString(DENIED_PORT))),
            logs.resolve("peer-httpd.log"));
    stack.add(web);
    ns.awaitListening(HTTP_PORT, Duration.ofSeconds(20), web.process());
    ns.awaitListening(DENIED_PORT, Duration.ofSeconds(20), web.process());
    timings.phase("peer web server", Timings.since(t));

    t = System.nanoTime();
    peerKey = reusable;
    peer = startPeer("peer-tailscaled.log");
    stack.add(() -> peer.close());
    timings.phase(
        "peer tailscaled: start, tailscale up, Running (by hand, no tailgate)", Timings.since(t));
    peerName = peer.dnsName();

    t = System.nanoTime();
    sshd = Sshd.start(ns, run.resolve("sshd"), logs.resolve("peer-sshd.log"), SSH_PORT, peerName);
    stack.add(sshd);
    timings.phase("peer sshd", Timings.since(t));
  }

  private PeerNode startPeer(String log) throws IOException, InterruptedException {
    return PeerNode.start(
        ns,
        bin.tailscaled(),
        bin.tailscale(),
        run.resolve("peer"),
        logs.resolve(log),
        PEER,
        PEER_WG_PORT,
        PEER_SOCKS_PORT,
        peerKey,
        tailscaleSsh ? List.of("--ssh") : List.of(),
        TAILSCALED_ENV,
        tailscaleSsh ? run.resolve("peer-etc-ssh") : null);
  }

  /**
   * Stops the Tailscale SSH peer's tailscaled, removes the host keys it made, and starts it again
   * on the same state: the same node, name and address, with new SSH host keys.
   */
  void restartPeerWithNewHostKeys() throws IOException, InterruptedException {
    peer.close();
    Path keys = run.resolve("peer/state/ssh");
    try (Stream<Path> files = Files.list(keys)) {
      for (Path key : files.toList()) {
        Files.delete(key);
      }
    }
    peer = startPeer("peer-tailscaled-new-host-keys.log");
  }

  /** The arguments of {@code tailgate up} for the gateway, with the single-use key in a file. */
  List<String> upArgs(String singleUseKey) throws IOException {
    gatewayState = run.resolve("gateway/state");
    gatewaySocket = run.resolve("gateway/tailscaled.sock");
    gatewayKeyFile = run.resolve("gateway/authkey");
    connectionLog = logs.resolve("connections.jsonl");
    tailscaledLog = logs.resolve("gateway-tailscaled.log");
    tailgateLog = logs.resolve("tailgate.log");
    Files.createDirectories(gatewayKeyFile.getParent());
    Files.writeString(
        gatewayKeyFile,
        singleUseKey + "\n",
        java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE);
    Files.setPosixFilePermissions(gatewayKeyFile, PosixFilePermissions.fromString("rw-------"));
    tailgate =
        new TailgateCli(
            ns,
            merge(
                TAILSCALED_ENV,
                Map.of(
                    "TAILGATE_RUN_DIR", run.resolve("gateway/run").toString(),
                    "XDG_STATE_HOME", run.resolve("gateway/xdg").toString())));
    return List.of(
        "--tailscaled",
        bin.tailscaled().toString(),
        "--tailscale",
        bin.tailscale().toString(),
        "--state-dir",
        gatewayState.toString(),
        "--socket",
        gatewaySocket.toString(),
        "--auth-key",
        "file:" + gatewayKeyFile,
        "--hostname",
        GATEWAY,
        "--login-server",
        Headscale.URL,
        "--tailscaled-log",
        tailscaledLog.toString(),
        "--upstream",
        "socks5://127.0.0.1:" + GATEWAY_SOCKS_PORT,
        "--listen",
        "127.0.0.1:" + RELAY_PORT,
        "--allow",
        peerName + ":" + HTTP_PORT + "," + SSH_PORT + "," + DEAD_PORT,
        "--log-file",
        connectionLog.toString());
  }

  /** Starts {@code tailgate up} (not waiting for it). */
  RunningProcess startGateway(List<String> args) throws IOException {
    gatewayUp = tailgate.start(args, tailgateLog);
    stack.add(this::stopGateway);
    return gatewayUp;
  }

  private void stopGateway() throws Exception {
    try {
      RunningProcess.Result down =
          tailgate.run(List.of("down", "--state-dir", gatewayState.toString()));
      Files.writeString(logs.resolve("tailgate-down.log"), down.output());
    } finally {
      gatewayUp.close();
    }
  }

  /** The gateway tailscaled's pid, from the pid file tailgate keeps in its state dir. */
  long gatewayDaemonPid() throws IOException {
    return Long.parseLong(
        Files.readAllLines(gatewayState.resolve("tailgate-tailscaled.pid")).get(0).strip());
  }

  /** The gateway's LocalAPI status, through the real tailscale CLI. */
  JsonNode gatewayStatus() throws IOException, InterruptedException {
    return PeerNode.status(bin.tailscale(), gatewaySocket);
  }

  /** The connection log's lines as JSON. */
  List<JsonNode> connectionLog() throws IOException {
    return jsonLines(connectionLog);
  }

  /** The peer web server's requests as JSON lines. */
  List<JsonNode> peerRequests() throws IOException {
    return jsonLines(httpdLog);
  }

  private static List<JsonNode> jsonLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        out.add(json.readTree(line));
      }
    }
    return out;
  }

  static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
    Map<String, String> m = new java.util.LinkedHashMap<>(a);
    m.putAll(b);
    return m;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway.
    }
  }

  /** Stops everything in reverse order; the namespace last, killing whatever is left in it. */
  @Override
  public void close() {
    long t = System.nanoTime();
    for (int i = stack.size() - 1; i >= 0; i--) {
      try {
        stack.get(i).close();
      } catch (Exception e) {
        System.err.println("e2e: teardown: " + e);
      }
    }
    try (Stream<Path> files = Files.walk(run)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("e2e: could not remove " + run + ": " + e);
    }
    timings.phase("teardown", Timings.since(t));
    System.out.println("e2e: logs of every daemon are in " + logs);
  }
}
