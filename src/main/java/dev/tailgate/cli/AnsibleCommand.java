package dev.tailgate.cli;

import dev.tailgate.ansible.GeneratedFiles;
import dev.tailgate.ansible.KnownHosts;
import dev.tailgate.ansible.ProxyCommand;
import dev.tailgate.ansible.TailnetPeers;
import dev.tailgate.ansible.Templates;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.HostPort;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.localapi.TailscaleStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tailgate ansible}: writes ansible.cfg, group_vars and ssh_config for the tailnet. */
@Command(
    name = "ansible",
    mixinStandardHelpOptions = true,
    description = {
      "Write the Ansible and ssh configuration that sends ssh through tailgate: ansible.cfg,"
          + " group_vars/all/tailgate.yml (ansible_ssh_common_args with the ProxyCommand),"
          + " ssh_config (a Host block for the tailnet, Include-able from ~/.ssh/config),"
          + " known_hosts (the host keys the tailnet's peers advertise, checked strictly) and"
          + " tailgate.tailnet.yml (the inventory plugin tailgate.tailnet.peers).",
      "A rerun changes only what changed, between the '# BEGIN/END tailgate managed' markers;"
          + " lines outside them are kept.",
      "The relay address comes from --config (its listen-unix for the connect helper when set,"
          + " else its listen), else 127.0.0.1:1080. The MagicDNS"
          + " suffix comes from tailscaled's LocalAPI when it answers on the socket, else from"
          + " --magic-dns-suffix."
    })
final class AnsibleCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "ansible",
      description = "Where the files go (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--proxy-command",
      paramLabel = "HELPER",
      defaultValue = "connect",
      description =
          "connect (tailgate connect, the default), nc (OpenBSD nc -X 5 -x RELAY) or tailscale-nc"
              + " (tailscale nc: straight to tailscaled, without the relay's allowlist and log).")
  String proxyCommand;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "tailgate's YAML settings: the relay address, the socket; with the connect helper,"
              + " `tailgate connect --start --config FILE` may also start the relay from it.")
  Path config;

  @Option(
      names = "--magic-dns-suffix",
      paramLabel = "SUFFIX",
      description =
          "The tailnet's MagicDNS suffix, e.g. tail1234.ts.net, when tailscaled is not up.")
  String magicDnsSuffix;

  @Mixin SocketOption socket;

  @Option(
      names = "--tailgate",
      paramLabel = "COMMAND",
      description =
          "How the ProxyCommand runs tailgate (default: the launcher that runs this command,"
              + " else tailgate on PATH).")
  String tailgate;

  @Option(
      names = "--credentials",
      paramLabel = "FILE",
      description =
          "With the connect helper: a file of one user:password line (mode 0600) for a relay with"
              + " an auth-file; the ProxyCommand names the file, never the password.")
  Path credentials;

  @Option(
      names = "--inventory",
      paramLabel = "PATH",
      defaultValue = "../inventory/",
      description =
          "ansible.cfg's inventory, relative to the output directory (default: ${DEFAULT-VALUE}).")
  String inventory;

  @Option(
      names = "--host-key-checking",
      paramLabel = "MODE",
      defaultValue = "strict",
      description =
          "What ssh does with a tailnet host whose key is not in known_hosts (one that advertises"
              + " none): strict (refuse it, the default) or accept-new (trust its first key)."
              + " A key that changed is refused either way.")
  String hostKeyChecking;

  @Override
  public Integer call() throws Exception {
    ProxyCommand.Kind kind = ProxyCommand.Kind.fromOption(proxyCommand);
    KnownHosts.Checking checking = KnownHosts.Checking.fromOption(hostKeyChecking);
    TailgateConfig cfg = ConfigLoading.load(config);
    Path sock = socket.or(cfg);
    TailscaleStatus status = null;
    String suffix;
    try {
      TailscaleStatus running = TailnetPeers.fromLocalApi(sock);
      suffix = suffix(TailnetPeers.magicDnsSuffix(running, sock));
      status = running;
    } catch (IOException | IllegalStateException e) {
      suffix = suffixWithout(e);
    }
    // The connect helper takes the relay's Unix socket when there is one: its file mode admits
    // the local users, and the relay knows the client's uid from the kernel at once. nc cannot.
    boolean viaUnix = kind == ProxyCommand.Kind.CONNECT && cfg.listenUnix() != null;
    if (!viaUnix && cfg.listen().getPort() == 0) {
      throw new ConfigException(
          "listen: port 0 is chosen anew at each start; ssh needs a fixed relay port");
    }
    if (credentials != null && kind != ProxyCommand.Kind.CONNECT) {
      throw new ConfigException(
          "--credentials: only the connect helper sends a password; "
              + kind.option()
              + " cannot (use --proxy-command connect)");
    }
    String relay = viaUnix ? cfg.listenUnix().path().toString() : HostPort.format(cfg.listen());
    if (viaUnix) {
      spec.commandLine()
          .getErr()
          .println(
              "tailgate: ssh connects through the relay's Unix socket "
                  + relay
                  + " (listen-unix; its mode decides which users may)");
    }
    ProxyCommand proxy =
        switch (kind) {
          case CONNECT ->
              ProxyCommand.connect(
                  tailgateCommand(),
                  relay,
                  config == null ? null : config.toAbsolutePath().normalize().toString(),
                  credentials == null ? null : credentials.toAbsolutePath().normalize().toString());
          case NC -> ProxyCommand.nc(relay);
          case TAILSCALE_NC -> ProxyCommand.tailscaleNc(cfg.daemon().tailscale(), sock.toString());
        };
    PrintWriter err = spec.commandLine().getErr();
    Templates.Tailnet tailnet =
        new Templates.Tailnet(
            suffix,
            inventory,
            new KnownHosts.Policy(
                out.toAbsolutePath().normalize().resolve(KnownHosts.FILE).toString(), checking),
            status == null ? null : KnownHosts.lines(status),
            sock.toAbsolutePath().toString());
    if (status == null) {
      err.println("tailgate: known_hosts left as it is: tailscaled did not answer with the keys");
    }
    for (GeneratedFiles.Result r : GeneratedFiles.write(out, Templates.all(proxy, tailnet))) {
      err.printf(
          "tailgate: %-9s %s%n", r.outcome().name().toLowerCase(java.util.Locale.ROOT), r.path());
    }
    err.flush();
    return ExitCodes.OK;
  }

  /** The daemon's suffix; --magic-dns-suffix, if it differs, is ignored with a word. */
  private String suffix(String fromDaemon) throws ConfigException {
    String fromOption = magicDnsSuffix == null ? null : ConfigLoading.suffix(magicDnsSuffix);
    if (fromOption != null && !fromOption.equals(fromDaemon)) {
      spec.commandLine()
          .getErr()
          .println(
              "tailgate: using the tailnet's MagicDNS suffix "
                  + fromDaemon
                  + " from tailscaled, not --magic-dns-suffix "
                  + fromOption);
    }
    return fromDaemon;
  }

  /** --magic-dns-suffix when tailscaled did not tell its own (why: {@code e}). */
  private String suffixWithout(Exception e) throws ConfigException {
    if (magicDnsSuffix != null) {
      return ConfigLoading.suffix(magicDnsSuffix);
    }
    throw new ConfigException(
        "cannot learn the MagicDNS suffix: "
            + TailgateCommand.oneLine(e)
            + "; pass --magic-dns-suffix (e.g. tail1234.ts.net)",
        e);
  }

  private String tailgateCommand() {
    if (tailgate != null) {
      return tailgate;
    }
    String launcher = System.getenv("TAILGATE_LAUNCHER");
    return launcher != null && !launcher.isBlank() ? launcher : "tailgate";
  }
}
