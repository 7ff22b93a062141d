package dev.tailgate.localapi;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The one way a short-lived command asks tailscaled one question ({@code tailgate inventory},
 * {@code ansible}, {@code doctor}, the CDS training): a client on an event loop of its own, closed
 * with it once the answer is in. A running gateway keeps one {@link LocalApiClient} on its own loop
 * instead.
 */
public final class LocalApi {
  private LocalApi() {}

  /**
   * Asks the tailscaled listening on {@code socket} and waits at most {@code timeout} (plus a
   * second for the loop) for the answer.
   *
   * @param question e.g. {@code LocalApiClient::status}
   * @throws LocalApiException when no tailscaled answers there, in time or at all (the message says
   *     why); an {@link IOException} the question failed with is thrown as it is
   */
  public static <T> T query(
      Path socket, Duration timeout, Function<LocalApiClient, CompletableFuture<T>> question)
      throws IOException {
    if (!Files.exists(socket)) {
      throw new LocalApiException(
          "no tailscaled LocalAPI socket at " + socket + " (is tailscaled running? --socket)");
    }
    if (!Epoll.isAvailable()) {
      throw new LocalApiException(
          "tailscaled's LocalAPI needs netty's native epoll transport: "
              + Epoll.unavailabilityCause());
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try (LocalApiClient api = new LocalApiClient(group, socket, timeout)) {
      return question.apply(api).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof IOException io
          ? io
          : new LocalApiException("LocalAPI call failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw new LocalApiException("tailscaled on " + socket + " did not answer in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalApiException("interrupted while asking tailscaled", e);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
  }
}
