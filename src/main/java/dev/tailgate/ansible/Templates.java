package dev.tailgate.ansible;

import java.util.ArrayList;
import java.util.List;

/**
 * The generated files, as pure functions of their inputs. Each file says in its header what
 * generated it and that only the managed blocks are rewritten.
 */
public final class Templates {
  public static final String ANSIBLE_CFG = "ansible.cfg";
  public static final String GROUP_VARS = "group_vars/all/tailgate.yml";
  public static final String SSH_CONFIG = "ssh_config";
  public static final String PLUGIN_CONFIG = "tailgate.tailnet.yml";

  /**
   * One ssh master connection per host, kept 10 minutes after its last use rather than Ansible's 60
   * s: with more hosts than forks a host's next task can come minutes later, and each new master
   * through {@code tailgate connect} starts a JVM. ServerAlive ends a master whose path died within
   * a minute instead of leaving the next task to hang on it.
   */
  static final String SSH_ARGS =
      "-C -o ControlMaster=auto -o ControlPersist=10m"
          + " -o ServerAliveInterval=15 -o ServerAliveCountMax=4";

  /**
   * The master's socket: {@code %C} is a 40-character hash of the local host, remote host, port and
   * user, so the path stays under the 104-byte limit of a unix socket whatever the MagicDNS name's
   * length (Ansible's "ControlPath too long", ansible#11536, #16840), and is unique.
   */
  static final String CONTROL_PATH = "%(directory)s/%%C";

  static final String OWNERSHIP =
      "# Written by `tailgate ansible`: a rerun rewrites only the lines between the\n"
          + "# BEGIN/END tailgate managed markers; everything else here is yours and is kept.\n";

  private Templates() {}

  /**
   * What the files depend on besides the ProxyCommand.
   *
   * @param magicDnsSuffix the tailnet's, e.g. tail1234.ts.net
   * @param inventory ansible.cfg's inventory, relative to the output directory
   * @param hostKeys the known_hosts file and what ssh does with hosts not in it
   * @param knownHosts the file's lines ({@link KnownHosts#lines}), or null when tailscaled did not
   *     answer: then the file is left as it is, rather than emptied of the keys it pins
   * @param socket tailscaled's LocalAPI socket, for the inventory plugin's configuration
   */
  public record Tailnet(
      String magicDnsSuffix,
      String inventory,
      KnownHosts.Policy hostKeys,
      String knownHosts,
      String socket) {}

  /** All the files. */
  public static List<ManagedFile> all(ProxyCommand proxy, Tailnet tailnet) {
    List<ManagedFile> files = new ArrayList<>();
    files.add(ansibleCfg(tailnet.inventory()));
    files.add(groupVars(proxy, tailnet.hostKeys()));
    files.add(sshConfig(proxy, tailnet.magicDnsSuffix(), tailnet.hostKeys()));
    if (tailnet.knownHosts() != null) {
      files.add(KnownHosts.file(tailnet.knownHosts()));
    }
    files.add(pluginConfig(tailnet.socket(), tailnet.hostKeys().path()));
    return files;
  }

  /**
   * {@code ansible.cfg}: the inventory (relative paths are relative to this file), the playbook
   * directory for ad-hoc commands (so they read {@code group_vars/} here too), host key checking on
   * (the known_hosts file is in group_vars), ssh connection reuse with a short {@code ControlPath}
   * and pipelining; and ssh retries, so that a task whose ssh connection dies (exit 255, e.g. when
   * tailscaled is killed under it and the ControlPersist master goes with it) is run again over a
   * new connection, which tailgate holds until tailscaled is back.
   */
  public static ManagedFile ansibleCfg(String inventory) {
    return new ManagedFile(
        ANSIBLE_CFG,
        List.of(
            ManagedFile.Part.plain(
                "# Ansible settings for reaching the tailnet through tailgate.\n"
                    + OWNERSHIP
                    + "# Ansible reads this file when run from this directory (or with\n"
                    + "# ANSIBLE_CONFIG pointing at it). Add your settings below a block, in its section.\n"
                    + "\n[defaults]\n"),
            ManagedFile.Part.block(
                "defaults",
                "inventory = "
                    + inventory
                    + "\n"
                    + "playbook_dir = .\n"
                    + "host_key_checking = True\n"),
            ManagedFile.Part.plain("\n[ssh_connection]\n"),
            ManagedFile.Part.block(
                "ssh_connection",
                "ssh_args = "
                    + SSH_ARGS
                    + "\n"
                    + "control_path = "
                    + CONTROL_PATH
                    + "\n"
                    + "pipelining = True\n"
                    + "retries = 3\n")));
  }

  /**
   * {@code group_vars/all/tailgate.yml}: the ProxyCommand for every host, as {@code
   * ansible_ssh_common_args}, quoted for YAML, then for shlex (Ansible splits the value), then for
   * the shell (ssh runs the command with {@code sh -c}); the known_hosts file with its checking;
   * and, for {@code tailgate connect}, the tag it sends: the inventory host and the play.
   */
  public static ManagedFile groupVars(ProxyCommand proxy, KnownHosts.Policy hostKeys) {
    StringBuilder args = new StringBuilder(proxy.asSshArguments());
    for (String word : hostKeys.sshOptions()) {
      args.append(' ').append(Quoting.shlexWord(word));
    }
    return new ManagedFile(
        GROUP_VARS,
        List.of(
            ManagedFile.Part.plain(
                "# How Ansible's ssh reaches every host: through tailgate.\n" + OWNERSHIP),
            ManagedFile.Part.block(
                "",
                "ansible_ssh_common_args: "
                    + Quoting.yamlSingleQuoted(args.toString())
                    + "\n"
                    + (proxy.tagged()
                        ? "# What the relay's connection log names each connection by.\n"
                            + ProxyCommand.TAG_VAR
                            + ": "
                            + Quoting.yamlSingleQuoted(ProxyCommand.TAG_VALUE)
                            + "\n"
                        : ""))));
  }

  /**
   * {@code ssh_config}: one Host block for the tailnet's names and addresses, so plain ssh, scp and
   * rsync use the ProxyCommand and the known_hosts file too.
   */
  public static ManagedFile sshConfig(
      ProxyCommand proxy, String magicDnsSuffix, KnownHosts.Policy hostKeys) {
    return new ManagedFile(
        SSH_CONFIG,
        List.of(
            ManagedFile.Part.plain(
                "# ssh settings for the tailnet: tailnet names and addresses go through tailgate.\n"
                    + "# Use it with `ssh -F THIS_FILE host`, or add `Include /path/to/this/ssh_config`\n"
                    + "# to ~/.ssh/config, above its first Host or Match line.\n"
                    + OWNERSHIP
                    + "# Lines you add after the block belong to it until a Host or Match line.\n"),
            ManagedFile.Part.block(
                "",
                "Host "
                    + String.join(" ", TailnetPatterns.of(magicDnsSuffix))
                    + "\n    ProxyCommand "
                    + proxy.line()
                    + "\n    UserKnownHostsFile "
                    + KnownHosts.Policy.sshValue(hostKeys.path())
                    + "\n    StrictHostKeyChecking "
                    + hostKeys.checking().ssh()
                    + "\n")));
  }

  /**
   * {@code tailgate.tailnet.yml}: the configuration of the inventory plugin {@code
   * tailgate.tailnet.peers} (ansible/collections in the repo), which reads the tailnet from the
   * same tailscaled and keeps the known_hosts file current on every run.
   */
  public static ManagedFile pluginConfig(String socket, String knownHosts) {
    return new ManagedFile(
        PLUGIN_CONFIG,
        List.of(
            ManagedFile.Part.plain(
                "# The tailnet as an Ansible inventory, by the plugin tailgate.tailnet.peers\n"
                    + "# (install the collection: see the README's Ansible section). Use it with\n"
                    + "# `ansible-inventory -i THIS_FILE --graph`, or name it as ansible.cfg's inventory.\n"
                    + "# Add compose, groups, keyed_groups or cache settings below the block.\n"
                    + OWNERSHIP),
            ManagedFile.Part.block(
                "",
                "plugin: tailgate.tailnet.peers\n"
                    + "socket: "
                    + Quoting.yamlSingleQuoted(socket)
                    + "\n"
                    + "known_hosts: "
                    + Quoting.yamlSingleQuoted(knownHosts)
                    + "\n")));
  }
}
