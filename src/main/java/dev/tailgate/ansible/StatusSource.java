package dev.tailgate.ansible;

import dev.tailgate.bootstrap.LocalApiClient;
import dev.tailgate.bootstrap.LocalApiException;
import dev.tailgate.bootstrap.TailscaleStatus;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Where the tailnet's status comes from: tailscaled's LocalAPI ({@code GET /localapi/v0/status}),
 * or a file of the same JSON (what {@code tailscale status --json} prints).
 */
public final class StatusSource {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private StatusSource() {}

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
   * @throws LocalApiException when no tailscaled answers there (the message says why)
   */
  public static TailscaleStatus fromLocalApi(Path socket) throws IOException {
    if (!Files.exists(socket)) {
      throw new LocalApiException(
          "no tailscaled LocalAPI socket at " + socket + " (is tailscaled running? --socket)");
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try (LocalApiClient api = new LocalApiClient(group, socket, TIMEOUT)) {
      return api.status().get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io
          ? io
          : new LocalApiException("LocalAPI status failed: " + cause, cause);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new LocalApiException("tailscaled on " + socket + " did not answer in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalApiException("interrupted while asking tailscaled", e);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
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
