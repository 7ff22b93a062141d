package dev.tailgate.cli;

import dev.tailgate.config.TailgateConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --socket PATH}, tailscaled's LocalAPI socket, for the commands that read the tailnet. */
final class SocketOption {
  @Option(
      names = "--socket",
      paramLabel = "PATH",
      description =
          "tailscaled's LocalAPI socket (default: the config's, else "
              + TailgateConfig.DEFAULT_SOCKET
              + ").")
  Path path;

  /** The socket given, else the one {@code cfg} names. */
  Path or(TailgateConfig cfg) {
    return path != null ? path : cfg.daemon().socket();
  }
}
