package dev.tailgate.ansible;

import java.util.List;

/**
 * The generated files, as pure functions of their inputs. Each file says in its header what
 * generated it and that only the managed blocks are rewritten.
 */
public final class Templates {
  public static final String ANSIBLE_CFG = "ansible.cfg";
  public static final String GROUP_VARS = "group_vars/all/tailgate.yml";
  public static final String SSH_CONFIG = "ssh_config";

  /** Ansible's own default, kept: one ssh master connection per host, alive 60 s after use. */
  static final String SSH_ARGS = "-C -o ControlMaster=auto -o ControlPersist=60s";

  private static final String OWNERSHIP =
      "# Written by `tailgate ansible`: a rerun rewrites only the lines between the\n"
          + "# BEGIN/END tailgate managed markers; everything else here is yours and is kept.\n";

  private Templates() {}

  /** All three files. */
  public static List<ManagedFile> all(ProxyCommand proxy, String magicDnsSuffix, String inventory) {
    return List.of(ansibleCfg(inventory), groupVars(proxy), sshConfig(proxy, magicDnsSuffix));
  }

  /**
   * {@code ansible.cfg}: the inventory (relative paths are relative to this file), the playbook
   * directory for ad-hoc commands (so they read {@code group_vars/} here too), ssh connection reuse
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
                "defaults", "inventory = " + inventory + "\n" + "playbook_dir = .\n"),
            ManagedFile.Part.plain("\n[ssh_connection]\n"),
            ManagedFile.Part.block(
                "ssh_connection",
                "ssh_args = " + SSH_ARGS + "\n" + "pipelining = True\n" + "retries = 3\n")));
  }

  /**
   * {@code group_vars/all/tailgate.yml}: the ProxyCommand for every host, as {@code
   * ansible_ssh_common_args}, quoted for YAML, then for shlex (Ansible splits the value), then for
   * the shell (ssh runs the command with {@code sh -c}).
   */
  public static ManagedFile groupVars(ProxyCommand proxy) {
    return new ManagedFile(
        GROUP_VARS,
        List.of(
            ManagedFile.Part.plain(
                "# How Ansible's ssh reaches every host: through tailgate.\n" + OWNERSHIP),
            ManagedFile.Part.block(
                "",
                "ansible_ssh_common_args: "
                    + Quoting.yamlSingleQuoted(proxy.asSshArguments())
                    + "\n")));
  }

  /**
   * {@code ssh_config}: one Host block for the tailnet's names and addresses, so plain ssh, scp and
   * rsync use the ProxyCommand too.
   */
  public static ManagedFile sshConfig(ProxyCommand proxy, String magicDnsSuffix) {
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
                    + "\n")));
  }
}
