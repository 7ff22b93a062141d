package dev.tailgate.cli;

import dev.tailgate.connect.Connect;
import dev.tailgate.connect.ConnectOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tailgate connect HOST PORT}: the ssh ProxyCommand. {@link Main} runs plain command lines
 * without picocli (see {@link ConnectOptions#parse}); this class gives the same command its help
 * and its usage errors, and runs it when picocli parsed the line.
 */
@Command(
    name = "connect",
    mixinStandardHelpOptions = true,
    description = {
      "Join standard input and output to HOST:PORT through the relay's SOCKS5 (the name is sent"
          + " unresolved, so tailscaled resolves MagicDNS): an ssh ProxyCommand, e.g.",
      "  ssh -o ProxyCommand='tailgate connect %%h %%p' web-1.tail1234.ts.net",
      "The relay is --proxy, else $TAILGATE_PROXY, else the running tailgate's (its run-state"
          + " file: its Unix socket when it has one you may open, else its address), else "
          + "127.0.0.1:1080; an absolute path is the relay's Unix socket (up --listen-unix), e.g."
          + " --proxy /run/tailgate/relay.sock.",
      "A refused or unreachable target, or no relay, is one line on standard error and exit"
          + " code 7 (refused by the allowlist, or a password wanted or refused), 8 (target not"
          + " reached) or 9 (no relay)."
    })
final class ConnectCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "HOST", description = "The target: ssh's %%h.")
  String host;

  @Parameters(index = "1", paramLabel = "PORT", description = "The target port: ssh's %%p.")
  String port;

  @Mixin ProxyOption proxy;

  @Option(
      names = "--start",
      negatable = true,
      description =
          "If no relay answers, run `tailgate up --detach` once and try again (default: off;"
              + " a relay that starts without your settings would refuse every target).")
  boolean start;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The YAML settings that --start passes to `tailgate up --detach`.")
  String config;

  @Option(
      names = "--credentials",
      paramLabel = "FILE",
      description =
          "A file of one user:password line (mode 0600) sent when the relay asks for a password"
              + " (its --auth-file); default: $TAILGATE_PROXY_CREDENTIALS. Never on the command"
              + " line itself.")
  String credentials;

  @Option(
      names = "--tag",
      paramLabel = "TEXT",
      description =
          "What the relay's connection log says this connection is for, e.g. the Ansible host"
              + " and play (the generated group_vars pass both). Sent as the SOCKS5 username after"
              + " a marker, at most 200 bytes, URL-encoded; never a secret, never used to admit.")
  String tag;

  @Override
  public Integer call() {
    return Connect.run(
        new ConnectOptions(host, port, proxy.address, start, config, credentials, tag), System.err);
  }
}
