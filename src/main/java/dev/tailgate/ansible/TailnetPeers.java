package dev.tailgate.ansible;

import dev.tailgate.localapi.LocalApi;
import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.localapi.LocalApiException;
import dev.tailgate.localapi.TailscaleStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the tailnet's peers, for the inventory, come from: tailscaled's LocalAPI ({@code GET
 * /localapi/v0/status}), or a file of the same JSON (what {@code tailscale status --json} prints).
 */
public final class TailnetPeers {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private TailnetPeers() {}

  /** Reads a status JSON file. */
  public static TailscaleStatus fromFile(Path file) throws IOException {
    try {
      return TailscaleStatus.parse(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IOException("cannot read the status JSON " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Asks the tailscaled listening on {@code socket}.
   *
   * @throws IOException a {@link LocalApiException} when no tailscaled answers there (the message
   *     says why)
   */
  public static TailscaleStatus fromLocalApi(Path socket) throws IOException {
    return LocalApi.query(socket, TIMEOUT, LocalApiClient::status);
  }

  /** The MagicDNS suffix of a Running tailscaled, or a LocalApiException saying why not. */
  public static String magicDnsSuffix(TailscaleStatus status, Path socket)
      throws LocalApiException {
    if (!"Running".equals(status.backendState()) || status.magicDnsSuffix().isEmpty()) {
      throw new LocalApiException(
          "tailscaled on "
              + socket
              + " is "
              + status.backendState()
              + ", with no MagicDNS suffix yet");
    }
    String s = status.magicDnsSuffix();
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
