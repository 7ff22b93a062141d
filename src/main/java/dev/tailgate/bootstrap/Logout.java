package dev.tailgate.bootstrap;

import dev.tailgate.localapi.LocalApi;
import dev.tailgate.localapi.LocalApiClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code tailgate down --logout}: logs the node out through the LocalAPI ({@code tailscale logout})
 * before tailscaled is stopped, so that an ephemeral node leaves the tailnet at once and a regular
 * one leaves no valid node key behind. Bounded in time and tried twice at most: a container stop
 * (10 s before SIGKILL by default) must never hang on a wedged daemon or an absent control server.
 */
public final class Logout {
  /** One attempt's bound; two attempts and their loops' start and stop stay under 10 s. */
  public static final Duration ATTEMPT = Duration.ofSeconds(3);

  static final int ATTEMPTS = 2;

  private Logout() {}

  /**
   * Logs out the tailscaled on {@code socket}.
   *
   * @return empty when logged out, else the last attempt's failure in one line
   */
  public static Optional<String> run(Path socket, Duration attempt) {
    String failure = null;
    for (int i = 0; i < ATTEMPTS; i++) {
      try {
        LocalApi.query(socket, attempt, LocalApiClient::logout);
        return Optional.empty();
      } catch (IOException | RuntimeException e) {
        failure = String.valueOf(e.getMessage()).replaceAll("[\\r\\n\\t]+", " ");
      }
    }
    return Optional.of(failure);
  }
}
