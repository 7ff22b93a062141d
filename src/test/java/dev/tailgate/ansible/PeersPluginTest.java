package dev.tailgate.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.TailgateScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inventory plugin {@code tailgate.tailnet.peers} run by a real ansible-core against the test
 * double of tailscaled: the collection builds and installs with ansible-galaxy, ansible-inventory
 * shows the peers with constructed groups, the cache spares tailscaled a second question, and the
 * plugin and the script inventory/tailnet ({@code tailgate inventory}) agree.
 */
class PeersPluginTest {
  static final String WEB = "web-1." + FakeTailnet.SUFFIX;
  static final String DB = "db-1." + FakeTailnet.SUFFIX;
  static final String MAC = "alice-s-macbook-pro." + FakeTailnet.SUFFIX;
  static final String WEB_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr0Xb4Y0oBvZ6dJ5oEW6mjxv7sA";

  @TempDir Path dir;
  private LoggedInDouble tailnet;

  @BeforeEach
  void startTheTailnet() throws Exception {
    tailnet =
        LoggedInDouble.start(
            dir,
            """
            [{"HostName": "web-1", "Tags": ["tag:web", "tag:prod"], "sshHostKeys": ["%s"]},
             {"HostName": "db-1", "Online": false, "LastSeen": "2026-12-01T10:00:00Z",
              "Tags": ["tag:db"]},
             {"HostName": "Alice's MacBook Pro", "OS": "macOS"}]
            """
                .formatted(WEB_KEY));
  }

  @AfterEach
  void stopTheTailnet() {
    tailnet.close();
  }

  /** A plugin configuration file in the test's directory. */
  private Path config(String name, String... lines) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(
        file,
        "plugin: tailgate.tailnet.peers\nsocket: "
            + tailnet.tailnet.socket
            + "\n"
            + String.join("\n", lines)
            + "\n");
    return file;
  }

  private RunningProcess.Result ansible(Map<String, String> env, String program, String... args)
      throws Exception {
    return AnsibleCore.run(dir, env, program, args);
  }

  private JsonNode list(Map<String, String> env, Path inventory) throws Exception {
    RunningProcess.Result r =
        ansible(env, "ansible-inventory", "-i", inventory.toString(), "--list");
    assertThat(r.exitCode()).as(r.output()).isZero();
    return new ObjectMapper().readTree(r.output().substring(r.output().indexOf('{')));
  }

  private static List<String> hosts(JsonNode list, String group) {
    List<String> hosts = new ArrayList<>();
    list.path(group).path("hosts").forEach(h -> hosts.add(h.asText()));
    return hosts;
  }

  @Test
  void thePluginsUnitTestsPassUnderAnsibleCoresPython() throws Exception {
    RunningProcess.Result r =
        RunningProcess.run(
            List.of(
                "env",
                "-C",
                AnsibleCore.COLLECTION.toString(),
                "PYTHONDONTWRITEBYTECODE=1",
                AnsibleCore.program("python3"),
                "-m",
                "unittest",
                "discover",
                "-s",
                "tests/unit"),
            new byte[0],
            java.time.Duration.ofSeconds(60));
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("OK");
  }

  @Test
  void theCollectionBuildsAndInstallsOfflineWithAnsibleGalaxy() throws Exception {
    RunningProcess.Result build =
        ansible(
            Map.of(),
            "ansible-galaxy",
            "collection",
            "build",
            AnsibleCore.COLLECTION.toString(),
            "--output-path",
            dir.toString());
    assertThat(build.exitCode()).as(build.output()).isZero();
    Path tarball = dir.resolve("tailgate-tailnet-0.1.0.tar.gz");
    assertThat(tarball).exists();

    // Installed where Ansible looks, apart from the repo's copy (else galaxy finds it there).
    Path installed = dir.resolve("installed");
    Map<String, String> fromInstalled = Map.of("ANSIBLE_COLLECTIONS_PATH", installed.toString());
    RunningProcess.Result install =
        ansible(
            fromInstalled,
            "ansible-galaxy",
            "collection",
            "install",
            "--offline",
            "-p",
            installed.toString(),
            tarball.toString());
    assertThat(install.exitCode()).as(install.output()).isZero();
    assertThat(installed.resolve("ansible_collections/tailgate/tailnet/plugins/inventory/peers.py"))
        .exists();

    RunningProcess.Result doc =
        ansible(fromInstalled, "ansible-doc", "-t", "inventory", "tailgate.tailnet.peers");
    assertThat(doc.exitCode()).as(doc.output()).isZero();
    assertThat(doc.output()).contains("keyed_groups").contains("cache_timeout").contains("socket");
    assertThat(hosts(list(fromInstalled, config("x.tailnet.yml")), "tailnet"))
        .containsExactlyInAnyOrder(WEB, DB, MAC);
  }

  @Test
  void ansibleInventoryShowsThePeersWithConstructedAndKeyedGroupsByTag() throws Exception {
    Path inventory =
        config(
            "x.tailnet.yml",
            "keyed_groups:",
            "  - key: tailscale_tags | map('regex_replace', '^tag:', '')",
            "    prefix: role",
            "groups:",
            "  mac: tailscale_os == 'macOS'",
            "compose:",
            "  first_ip: tailscale_ips[0]",
            "strict: true");

    JsonNode list = list(Map.of(), inventory);
    assertThat(hosts(list, "tailnet")).containsExactlyInAnyOrder(WEB, DB, MAC);
    assertThat(hosts(list, "role_web")).containsExactly(WEB);
    assertThat(hosts(list, "role_prod")).containsExactly(WEB);
    assertThat(hosts(list, "role_db")).containsExactly(DB);
    assertThat(hosts(list, "mac")).containsExactly(MAC);
    assertThat(hosts(list, "offline")).containsExactly(DB);
    assertThat(hosts(list, "tag_web")).containsExactly(WEB);
    assertThat(hosts(list, "os_macos")).containsExactly(MAC);
    JsonNode db = list.path("_meta").path("hostvars").path(DB);
    assertThat(db.path("tailscale_online").asBoolean(true)).isFalse();
    assertThat(db.path("tailscale_last_seen").asText()).isEqualTo("2026-12-01T10:00:00Z");
    assertThat(db.path("first_ip").asText()).isEqualTo(db.path("tailscale_ips").get(0).asText());
    assertThat(db.path("ansible_host").asText()).isEqualTo(DB);

    RunningProcess.Result graph =
        ansible(Map.of(), "ansible-inventory", "-i", inventory.toString(), "--graph");
    assertThat(graph.exitCode()).as(graph.output()).isZero();
    assertThat(graph.output()).contains("@role_web:\n  |  |--" + WEB);
  }

  @Test
  void offlinePeersAreLeftOutWhenTheUserSaysSo() throws Exception {
    JsonNode list = list(Map.of(), config("online.tailnet.yml", "offline: skip"));
    assertThat(hosts(list, "tailnet")).containsExactlyInAnyOrder(WEB, MAC);
    assertThat(list.path("_meta").path("hostvars").has(DB)).isFalse();
  }

  @Test
  void aSecondRunWithinTheCacheTimeoutDoesNotAskTailscaled() throws Exception {
    Path inventory =
        config(
            "cached.tailnet.yml",
            "cache: true",
            "cache_plugin: ansible.builtin.jsonfile",
            "cache_connection: " + dir.resolve("cache"),
            "cache_timeout: 300");
    JsonNode first = list(Map.of(), inventory);
    assertThat(hosts(first, "tailnet")).hasSize(3);

    // With tailscaled gone, only the cache can answer.
    tailnet.stop();
    assertThat(tailnet.tailnet.socket).doesNotExist();
    assertThat(list(Map.of(), inventory)).isEqualTo(first);

    // And it is gone: a file the cache knows nothing of finds no socket.
    RunningProcess.Result uncached =
        ansible(
            Map.of(), "ansible-inventory", "-i", config("new.tailnet.yml").toString(), "--list");
    assertThat(uncached.exitCode()).isNotZero();
    assertThat(uncached.output().replaceAll("\\s+", " "))
        .contains("no tailscaled LocalAPI socket at " + tailnet.tailnet.socket);
  }

  @Test
  void thePluginAndTheScriptAgreeOnTheSameTailnet() throws Exception {
    // The repo's script, with TAILGATE pointing at this build, told the socket through a wrapper
    // (Ansible passes the script only --list).
    Path tailgate = TailgateScript.write(dir.resolve("bin"));
    Path withSocket = dir.resolve("bin/tailgate-socket");
    Files.writeString(
        withSocket,
        "#!/bin/sh\nexec '" + tailgate + "' \"$@\" --socket '" + tailnet.tailnet.socket + "'\n");
    withSocket.toFile().setExecutable(true);
    Path script = Files.createDirectories(dir.resolve("inventory")).resolve("tailnet");
    Files.copy(Path.of("inventory/tailnet"), script);

    JsonNode fromScript = list(Map.of("TAILGATE", withSocket.toString()), script);
    JsonNode fromPlugin = list(Map.of(), config("x.tailnet.yml"));

    assertThat(groups(fromPlugin)).isEqualTo(groups(fromScript)).containsKey("tag_prod");
    JsonNode scriptVars = fromScript.path("_meta").path("hostvars");
    JsonNode pluginVars = fromPlugin.path("_meta").path("hostvars");
    assertThat(names(pluginVars)).isEqualTo(names(scriptVars)).hasSize(3);
    for (String host : names(scriptVars)) {
      // The plugin adds the last seen time; every variable the script has, it has alike.
      com.fasterxml.jackson.databind.node.ObjectNode vars = pluginVars.path(host).deepCopy();
      assertThat(vars.remove("tailscale_last_seen")).as(host).isNotNull();
      assertThat(vars).as(host).isEqualTo(scriptVars.path(host));
    }
  }

  /** The groups that have hosts, each with its hosts in order. */
  private static Map<String, TreeSet<String>> groups(JsonNode list) {
    Map<String, TreeSet<String>> groups = new TreeMap<>();
    for (String name : names(list)) {
      TreeSet<String> hosts = new TreeSet<>(hosts(list, name));
      if (!hosts.isEmpty()) {
        groups.put(name, hosts);
      }
    }
    return groups;
  }

  private static TreeSet<String> names(JsonNode object) {
    TreeSet<String> names = new TreeSet<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
