package dev.tailgate.cli;

import picocli.CommandLine.Option;

/** {@code --proxy HOST:PORT}, the relay's address, for the commands that talk to the relay. */
final class ProxyOption {
  @Option(
      names = "--proxy",
      paramLabel = "HOST:PORT",
      description = "The relay's address (overrides $TAILGATE_PROXY and the running tailgate's).")
  String address;
}
