package dev.tailgate.e2e;

import dev.tailgate.ansible.KnownHosts;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.TailgateScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 5's scenario 1 on the real tailnet: the gateway's settings as a tailgate.yaml (the same
 * listen, socket and allowlist as {@code tailgate up}'s flags), the files {@code tailgate ansible
 * --config} generates from it (the MagicDNS suffix from the gateway's LocalAPI), the repo's
 * playbook and role beside them, and the repo's {@code inventory/tailnet} wrapper as the dynamic
 * inventory. Every command runs inside the namespace with a {@code tailgate} script (this build's
 * classes in a JVM of their own) first on PATH: that is the {@code tailgate} the generated
 * ProxyCommand and the inventory wrapper run.
 *
 * <p>The only settings added by hand are the test's own, in a file of its own ({@code
 * group_vars/all/e2e.yml}): the user and the throwaway key; the peer's host key after the generated
 * known_hosts' block.
 */
final class AnsibleOnTailnet {
  final Path dir;
  final Path ansibleDir;
  final Path config;
  final Path bin;
  final RunningProcess.Result generated;
  private final RealTailnet net;
  private final Map<String, String> env;

  private AnsibleOnTailnet(
      RealTailnet net,
      Path dir,
      Path config,
      Path bin,
      Map<String, String> env,
      RunningProcess.Result generated) {
    this.net = net;
    this.dir = dir;
    this.ansibleDir = dir.resolve("ansible");
    this.config = config;
    this.bin = bin;
    this.env = env;
    this.generated = generated;
  }

  /** Writes the settings, runs {@code tailgate ansible}, and puts playbook and inventory beside. */
  static AnsibleOnTailnet generate(RealTailnet net) throws IOException, InterruptedException {
    return generate(net, true);
  }

  /**
   * As {@link #generate(RealTailnet)}; without {@code pinSshd}, the test's sshd key is not added to
   * known_hosts: for a Tailscale SSH peer, whose keys come from the tailnet alone.
   */
  static AnsibleOnTailnet generate(RealTailnet net, boolean pinSshd)
      throws IOException, InterruptedException {
    Path dir = net.run.resolve("ans");
    Path bin = dir.resolve("bin");
    TailgateScript.write(bin, TailgateCli.program());
    Path config = dir.resolve("tailgate.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "# The gateway's settings, as `tailgate up` got them from flags.",
            "listen: 127.0.0.1:" + RealTailnet.RELAY_PORT,
            "socket: " + net.gatewaySocket,
            "allow:",
            "  - \""
                + net.peerName
                + ":"
                + RealTailnet.HTTP_PORT
                + ","
                + RealTailnet.SSH_PORT
                + "\"",
            ""));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("TAILGATE_CONFIG", config.toString());
    env.put("ANSIBLE_CONFIG", "ansible.cfg");
    env.put("ANSIBLE_HOME", dir.resolve("home").toString());
    env.put("ANSIBLE_LOCAL_TEMP", dir.resolve("tmp").toString());
    env.put("ANSIBLE_REMOTE_TMP", dir.resolve("remote-tmp").toString());
    // Short, and the test's own: ssh's ControlPersist sockets, never shared with another run.
    env.put("ANSIBLE_SSH_CONTROL_PATH_DIR", net.run.resolve("cp").toString());
    env.put("ANSIBLE_NOCOLOR", "1");
    env.put("ANSIBLE_FORCE_COLOR", "0");
    Path ansibleDir = dir.resolve("ansible");
    Files.createDirectories(ansibleDir);
    RunningProcess.Result generated =
        RunningProcess.run(
            inNamespace(
                net,
                dir,
                env,
                List.of(
                    "tailgate",
                    "ansible",
                    "--out",
                    ansibleDir.toString(),
                    "--config",
                    config.toString())),
            new byte[0],
            Duration.ofSeconds(60));
    AnsibleOnTailnet a = new AnsibleOnTailnet(net, dir, config, bin, env, generated);
    if (generated.exitCode() != 0) {
      return a;
    }
    Path repo = Path.of("").toAbsolutePath();
    Files.copy(repo.resolve("ansible/site.yml"), ansibleDir.resolve("site.yml"));
    for (String f : List.of("tasks/main.yml", "defaults/main.yml")) {
      Path to = ansibleDir.resolve("roles/tailnet_check").resolve(f);
      Files.createDirectories(to.getParent());
      Files.copy(repo.resolve("ansible/roles/tailnet_check").resolve(f), to);
    }
    // ansible.cfg's `inventory = ../inventory/`: the repo's wrapper, which finds no
    // ../scripts/tailgate here and runs `tailgate` from PATH with TAILGATE_CONFIG.
    Path inventory = dir.resolve("inventory/tailnet");
    Files.createDirectories(inventory.getParent());
    Files.copy(repo.resolve("inventory/tailnet"), inventory);
    Files.setPosixFilePermissions(inventory, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(
        ansibleDir.resolve("group_vars/all/e2e.yml"),
        String.join(
            "\n",
            "# The test's own: who logs in, with which key.",
            "ansible_user: " + System.getProperty("user.name"),
            "ansible_ssh_private_key_file: " + net.sshd.clientKey,
            "ansible_ssh_extra_args: '-F /dev/null -o IdentitiesOnly=yes'",
            ""));
    if (!pinSshd) {
      return a;
    }
    // The peer runs plain OpenSSH, which advertises no key in the tailnet: its key goes after
    // the generated known_hosts' managed block, as the README says for such peers, and the
    // generated group_vars check it strictly.
    Files.writeString(
        ansibleDir.resolve(KnownHosts.FILE),
        Files.readString(net.sshd.knownHosts),
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    return a;
  }

  private static List<String> inNamespace(
      RealTailnet net, Path cwd, Map<String, String> env, List<String> command) {
    List<String> all =
        new ArrayList<>(List.of("env", "-u", "TAILGATE_LAUNCHER", "-C", cwd.toString()));
    env.forEach((k, v) -> all.add(k + "=" + v));
    all.addAll(command);
    return net.ns.exec(all);
  }

  /** {@code command} inside the namespace, in the generated directory, with the test's PATH. */
  List<String> command(List<String> command) {
    return inNamespace(net, ansibleDir, env, command);
  }

  RunningProcess.Result run(List<String> command, Duration timeout)
      throws IOException, InterruptedException {
    return RunningProcess.run(command(command), new byte[0], timeout);
  }

  /** The copy of the generated ansible.cfg that {@link #withoutRetries} uses. */
  static final String NO_RETRIES_CFG = "ansible-no-retries.cfg";

  /**
   * {@code command} with a copy of the generated ansible.cfg whose {@code [ssh_connection] retries}
   * is 0 (the generated 3 stays for the other scenarios): a task whose ssh fails is failed, so
   * nothing but tailgate's hold stands between a kill of tailscaled and a failed task.
   */
  List<String> withoutRetries(List<String> command) throws IOException {
    Path copy = ansibleDir.resolve(NO_RETRIES_CFG);
    if (!Files.exists(copy)) {
      String cfg = Files.readString(ansibleDir.resolve("ansible.cfg"));
      String none = cfg.replace("\nretries = 3\n", "\nretries = 0\n");
      if (none.equals(cfg)) {
        throw new IllegalStateException("no `retries = 3` in the generated ansible.cfg:\n" + cfg);
      }
      Files.writeString(copy, none);
    }
    Map<String, String> noRetries = new LinkedHashMap<>(env);
    noRetries.put("ANSIBLE_CONFIG", NO_RETRIES_CFG);
    return inNamespace(net, ansibleDir, noRetries, command);
  }

  /** Runs a command of {@link #command} or {@link #withoutRetries}, timed. */
  Clients.Timed timed(List<String> inNamespace, Duration timeout)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    RunningProcess.Result r = RunningProcess.run(inNamespace, new byte[0], timeout);
    return new Clients.Timed(start, System.nanoTime(), r);
  }

  /** ssh with the generated ssh_config, and only the test's key and known_hosts besides. */
  List<String> ssh(String host, String remoteCommand) {
    return List.of(
        "ssh",
        "-F",
        ansibleDir.resolve("ssh_config").toString(),
        "-i",
        net.sshd.clientKey.toString(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=" + net.sshd.knownHosts,
        "-l",
        System.getProperty("user.name"),
        host,
        remoteCommand);
  }

  /**
   * Stops the ssh master connections Ansible's ControlPersist keeps (60 s): the relay writes a
   * connection's log line when it closes, so the line for Ansible's ssh appears only then.
   */
  void closeMasters() throws IOException, InterruptedException {
    Path cp = net.run.resolve("cp");
    if (!Files.isDirectory(cp)) {
      return;
    }
    try (var sockets = Files.list(cp)) {
      for (Path socket : sockets.toList()) {
        run(
            List.of("ssh", "-F", "/dev/null", "-o", "ControlPath=" + socket, "-O", "exit", "x"),
            Duration.ofSeconds(20));
      }
    }
  }

  /** A playbook of {@code tasks} remote commands, each {@code sleep SECONDS}, named step 1..n. */
  Path sleepyPlaybook(int tasks, String seconds) throws IOException {
    StringBuilder s =
        new StringBuilder("---\n- name: Many short tasks\n  hosts: all\n  gather_facts: false\n");
    s.append("  tasks:\n");
    for (int i = 1; i <= tasks; i++) {
      s.append("    - name: step ")
          .append(i)
          .append("\n      ansible.builtin.command: sleep ")
          .append(seconds)
          .append("\n      changed_when: false\n");
    }
    Path p = ansibleDir.resolve("steps.yml");
    Files.writeString(p, s.toString());
    return p;
  }
}
