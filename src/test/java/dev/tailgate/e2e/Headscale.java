package dev.tailgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * headscale on the namespace's loopback with SQLite and its embedded DERP/STUN server, its config
 * written here; the CLI reaches it through its unix socket (from outside the namespace too).
 */
final class Headscale implements AutoCloseable {
  static final int PORT = 8080;
  static final int METRICS_PORT = 9090;
  static final int GRPC_PORT = 50443;
  static final int STUN_PORT = 3478;
  static final String URL = "http://127.0.0.1:" + PORT;
  static final String BASE_DOMAIN = "tailnet.test";
  static final String USER = "e2e";
  static final String TAG = "tag:web";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(30);

  private final Path binary;
  private final Path config;
  private final Path socket;
  private final RunningProcess server;

  private Headscale(Path binary, Path config, Path socket, RunningProcess server) {
    this.binary = binary;
    this.config = config;
    this.socket = socket;
    this.server = server;
  }

  /** Writes the config and policy into {@code dir}, starts it in {@code ns}, waits for its CLI. */
  static Headscale start(NetNamespace ns, Path binary, Path dir, Path log)
      throws IOException, InterruptedException {
    return start(ns, binary, dir, log, false);
  }

  /**
   * As {@link #start(NetNamespace, Path, Path, Path)}, and with {@code tailscaleSsh} an SSH rule:
   * the user's untagged nodes (the gateway) may log in as root or anyone else to the {@link #TAG}
   * nodes (the peer) by Tailscale SSH.
   */
  static Headscale start(NetNamespace ns, Path binary, Path dir, Path log, boolean tailscaleSsh)
      throws IOException, InterruptedException {
    return start(ns, binary, dir, log, tailscaleSsh, null);
  }

  /**
   * The shortest {@code node.ephemeral.inactivity_timeout} headscale takes: more than its map
   * poll's 60 s keep-alive plus 5 s.
   */
  static final Duration SHORTEST_EPHEMERAL_TIMEOUT = Duration.ofSeconds(66);

  /**
   * As {@link #start(NetNamespace, Path, Path, Path, boolean)}, and with {@code ephemeralTimeout}
   * (null: headscale's 30 min) how long an ephemeral node may stay away before headscale removes
   * it.
   */
  static Headscale start(
      NetNamespace ns,
      Path binary,
      Path dir,
      Path log,
      boolean tailscaleSsh,
      Duration ephemeralTimeout)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path policy = dir.resolve("policy.hujson");
    // Any node may reach any other; tag:web exists (owned by user e2e) for the peer's key.
    String ssh =
        tailscaleSsh
            ? ",\n  \"ssh\": [{\"action\": \"accept\", \"src\": [\"autogroup:member\"],"
                + " \"dst\": [\""
                + TAG
                + "\"], \"users\": [\"root\", \"autogroup:nonroot\"]}]"
            : "";
    Files.writeString(
        policy,
        """
        {
          "tagOwners": {"%s": ["%s@"]},
          "acls": [{"action": "accept", "src": ["*"], "dst": ["*:*"]}]%s
        }
        """
            .formatted(TAG, USER, ssh));
    Path socket = dir.resolve("headscale.sock");
    Path config = dir.resolve("config.yaml");
    Files.writeString(
        config,
        """
        server_url: %s
        listen_addr: 127.0.0.1:%d
        metrics_listen_addr: 127.0.0.1:%d
        grpc_listen_addr: 127.0.0.1:%d
        grpc_allow_insecure: false
        disable_check_updates: true
        noise:
          private_key_path: %s/noise_private.key
        prefixes:
          v4: 100.64.0.0/10
          v6: fd7a:115c:a1e0::/48
          allocation: sequential
        derp:
          server:
            enabled: true
            region_id: 999
            region_code: headscale
            region_name: headscale embedded DERP on loopback
            verify_clients: true
            stun_listen_addr: 127.0.0.1:%d
            private_key_path: %s/derp_server_private.key
            automatically_add_embedded_derp_region: true
            ipv4: 127.0.0.1
          urls: []
          paths: []
          auto_update_enabled: false
        database:
          type: sqlite
          sqlite:
            path: %s/db.sqlite
            write_ahead_log: true
        log:
          level: info
          format: text
        policy:
          mode: file
          path: %s
        dns:
          magic_dns: true
          base_domain: %s
          override_local_dns: false
          nameservers:
            global: []
        unix_socket: %s
        unix_socket_permission: "0700"
        logtail:
          enabled: false
        %s"""
            .formatted(
                URL,
                PORT,
                METRICS_PORT,
                GRPC_PORT,
                dir,
                STUN_PORT,
                dir,
                dir,
                policy,
                BASE_DOMAIN,
                socket,
                ephemeralTimeout == null
                    ? ""
                    : "node:\n  ephemeral:\n    inactivity_timeout: "
                        + ephemeralTimeout.toSeconds()
                        + "s\n"));
    RunningProcess server =
        RunningProcess.start(
            ns.exec(List.of(binary.toString(), "serve", "--config", config.toString())), log);
    Headscale hs = new Headscale(binary, config, socket, server);
    try {
      hs.awaitReady(Duration.ofSeconds(60));
    } catch (IOException | RuntimeException e) {
      hs.close();
      throw e;
    }
    return hs;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!server.process().isAlive()) {
        throw new IOException("headscale exited: " + server.output());
      }
      if (Files.exists(socket)) {
        RunningProcess.Result r = cliRaw(List.of("users", "list", "-o", "json"));
        if (r.exitCode() == 0) {
          return;
        }
        last = r.output();
      }
      Thread.sleep(100);
    }
    throw new IOException("headscale not ready within " + timeout + ": " + last);
  }

  /** Creates a user; returns its id. */
  long createUser(String name) throws IOException, InterruptedException {
    return cli("users", "create", name).get("id").asLong();
  }

  /**
   * A pre-auth key for {@code userId}. headscale gives a node the tags of the key it registered
   * with (and refuses {@code --advertise-tags} with a key), so a tagged node needs a tagged key.
   */
  String createKey(long userId, boolean reusable, String... tags)
      throws IOException, InterruptedException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "preauthkeys", "create", "--user", Long.toString(userId), "--expiration", "1h"));
    if (reusable) {
      args.add("--reusable");
    }
    if (tags.length > 0) {
      args.add("--tags");
      args.add(String.join(",", tags));
    }
    return cli(args.toArray(String[]::new)).get("key").asText();
  }

  /**
   * A single-use ephemeral pre-auth key: headscale removes the node it registers when the node logs
   * out or stays away (headscale counts a node as ephemeral by its key).
   */
  String createEphemeralKey(long userId) throws IOException, InterruptedException {
    return createEphemeralKey(userId, false);
  }

  /**
   * An ephemeral pre-auth key, reusable or not: a reusable one logs an ephemeral node in again
   * after a restart (a new node each time).
   */
  String createEphemeralKey(long userId, boolean reusable)
      throws IOException, InterruptedException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "preauthkeys",
                "create",
                "--user",
                Long.toString(userId),
                "--expiration",
                "1h",
                "--ephemeral"));
    if (reusable) {
      args.add("--reusable");
    }
    return cli(args.toArray(String[]::new)).get("key").asText();
  }

  /** {@code headscale preauthkeys list} as JSON. */
  JsonNode keys() throws IOException, InterruptedException {
    return cli("preauthkeys", "list");
  }

  /** {@code headscale nodes list} as JSON. */
  JsonNode nodes() throws IOException, InterruptedException {
    return cli("nodes", "list");
  }

  /** The node headscale knows by this name, or a failure. */
  JsonNode node(String name) throws IOException, InterruptedException {
    for (JsonNode n : nodes()) {
      if (name.equals(n.path("given_name").asText()) || name.equals(n.path("name").asText())) {
        return n;
      }
    }
    throw new AssertionError("headscale has no node named " + name + ": " + nodes());
  }

  private JsonNode cli(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("-o", "json"));
    RunningProcess.Result r = cliRaw(all);
    if (r.exitCode() != 0) {
      throw new IOException("headscale " + String.join(" ", args) + ": " + r.output().strip());
    }
    String out = r.output();
    int json = Math.max(0, Math.min(indexOr(out, '{'), indexOr(out, '[')));
    return JSON.readTree(out.substring(json));
  }

  private static int indexOr(String s, char c) {
    int i = s.indexOf(c);
    return i < 0 ? Integer.MAX_VALUE : i;
  }

  private RunningProcess.Result cliRaw(List<String> args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(binary.toString(), "--config", config.toString()));
    command.addAll(args);
    return RunningProcess.run(command, new byte[0], CLI_TIMEOUT);
  }

  @Override
  public void close() {
    server.close();
  }
}
