package dev.tailgate.cli;

import dev.tailgate.ansible.InventoryBuilder;
import dev.tailgate.ansible.InventoryJson;
import dev.tailgate.ansible.TailnetPeers;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.localpeer.LocalPeers;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.Decision;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tailgate inventory --list | --host NAME}: an Ansible dynamic inventory of the tailnet. */
@Command(
    name = "inventory",
    mixinStandardHelpOptions = true,
    description = {
      "Print the tailnet as an Ansible dynamic inventory (JSON), from tailscaled's LocalAPI:"
          + " one host per peer by its MagicDNS name; hostvars tailscale_ips, tailscale_os,"
          + " tailscale_online, tailscale_tags; groups tailnet, online, offline, os_<os> and"
          + " tag_<tag>; _meta.hostvars filled.",
      "With --config, peers its allowlist refuses on --port are left out (or flagged, with"
          + " --include-denied), judged for a client of the uid running it (or --uid); without"
          + " it every peer is listed."
    })
final class InventoryCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  static final class Mode {
    @Option(names = "--list", required = true, description = "Print every group and host.")
    boolean list;

    @Option(
        names = "--host",
        required = true,
        paramLabel = "NAME",
        description = "Print one host's variables ({} for an unknown host).")
    String host;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Mode mode;

  @Option(names = "--config", paramLabel = "FILE", description = "tailgate's YAML settings.")
  Path config;

  @Mixin SocketOption socket;

  @Option(
      names = "--status-json",
      paramLabel = "FILE",
      description =
          "Read this status JSON (as `tailscale status --json` prints) instead of asking tailscaled.")
  Path statusJson;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "22",
      description = "The port the allowlist is asked about (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--uid",
      paramLabel = "UID",
      description =
          "Judge the peers as for a local client of this uid, for rules that end in `from uid`"
              + " (default: the uid running this command, which ansible's ssh connects as).")
  Integer uid;

  @Option(
      names = "--include-denied",
      description =
          "Keep peers the allowlist refuses, with the hostvar tailgate_denied (the reason) and in"
              + " the group tailgate_denied.")
  boolean includeDenied;

  @Override
  public Integer call() throws Exception {
    if (uid != null && uid < 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--uid wants a uid, 0 or more (got " + uid + ")");
    }
    TailgateConfig cfg = ConfigLoading.load(config);
    TailscaleStatus status =
        statusJson != null
            ? TailnetPeers.fromFile(statusJson)
            : TailnetPeers.fromLocalApi(socket.or(cfg));
    Function<String, String> refusal = name -> null;
    if (config != null) {
      Allowlist allowlist = Allowlist.parse(cfg.rules(), status::magicDnsSuffix);
      int client = uid != null ? uid : LocalPeers.ownUid().orElse(Allowlist.UNKNOWN_UID);
      refusal =
          name -> {
            Decision d = allowlist.decide(name, port, client);
            return d.allowed() ? null : d.reason();
          };
    }
    InventoryBuilder.Inventory inventory = InventoryBuilder.build(status, refusal, includeDenied);
    Object document =
        mode.list
            ? InventoryBuilder.listDocument(inventory)
            : InventoryBuilder.hostDocument(inventory, mode.host);
    spec.commandLine().getOut().print(InventoryJson.render(document));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
