package dev.tailgate.cli;

import dev.tailgate.connect.RelayAddress;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tailgate env}: the shell lines that point a shell's programs at the relay, for {@code eval
 * "$(tailgate env)"}. http:// URLs go as plain HTTP, https:// through CONNECT, everything else
 * (ALL_PROXY) through SOCKS5 with the name unresolved ({@code socks5h}), so tailscaled resolves
 * MagicDNS; loopback goes direct.
 */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description = {
      "Print the shell lines that send a shell's programs through tailgate: HTTP_PROXY,"
          + " HTTPS_PROXY, ALL_PROXY (socks5h://) and their lower-case forms, and NO_PROXY for"
          + " loopback. Use it as",
      "  eval \"$(tailgate env)\"            (bash, zsh)",
      "  tailgate env --shell fish | source  (fish)",
      "The relay is --proxy, else $TAILGATE_PROXY, else the address of the running tailgate"
          + " (its run-state file), else 127.0.0.1:1080."
    })
final class EnvCommand implements Callable<Integer> {
  /** Loopback in every form NO_PROXY readers (curl, Python, Go, wget) match. */
  static final String NO_PROXY = "localhost,127.0.0.1,::1";

  /** What may reach an eval: a host (name, IPv4 or bracketed IPv6) and a port, nothing else. */
  private static final Pattern ADDRESS =
      Pattern.compile("(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}");

  enum Shell {
    sh,
    fish
  }

  @Spec CommandSpec spec;

  @Mixin ProxyOption proxy;

  @Option(
      names = "--shell",
      paramLabel = "SHELL",
      defaultValue = "sh",
      description = "sh (also bash and zsh) or fish; default: ${DEFAULT-VALUE}.")
  Shell shell;

  @Override
  public Integer call() {
    RelayAddress relay = RelayAddress.find(proxy.address);
    if (!ADDRESS.matcher(relay.text()).matches()) {
      spec.commandLine()
          .getErr()
          .println(
              "tailgate env: the relay address from "
                  + relay.source()
                  + " is not HOST:PORT; give one with --proxy");
      return ExitCodes.USAGE;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("# tailgate at " + relay.text() + " (" + relay.source() + ")");
    String http = "http://" + relay.text();
    print(out, "HTTP_PROXY", http);
    print(out, "HTTPS_PROXY", http);
    print(out, "ALL_PROXY", "socks5h://" + relay.text());
    print(out, "NO_PROXY", NO_PROXY);
    out.flush();
    return ExitCodes.OK;
  }

  /** Both spellings: curl reads only the lower-case http_proxy, Go reads either. */
  private void print(PrintWriter out, String name, String value) {
    for (String n : new String[] {name, name.toLowerCase(Locale.ROOT)}) {
      out.println(
          shell == Shell.fish
              ? "set -gx " + n + " '" + value + "';"
              : "export " + n + "='" + value + "'");
    }
  }
}
