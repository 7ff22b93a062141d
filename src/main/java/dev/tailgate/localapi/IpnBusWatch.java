package dev.tailgate.localapi;

import io.netty.channel.Channel;
import java.util.concurrent.CompletableFuture;

/**
 * An open {@code watch-ipn-bus} stream. {@link #done()} completes normally when tailscaled ends the
 * response or {@link #close()} is called, and exceptionally when the stream cannot start (no
 * daemon, HTTP error, no answer in time) or breaks (connection lost, a line that is not JSON or
 * longer than 1 MiB, the consumer threw).
 */
public final class IpnBusWatch implements AutoCloseable {
  private final String request;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile Channel channel;
  private volatile boolean streaming;

  IpnBusWatch(String request) {
    this.request = request;
    done.whenComplete((ignored, error) -> closeChannel());
  }

  /** A view of the end of the stream; completing it does not affect the watch. */
  public CompletableFuture<Void> done() {
    return done.copy();
  }

  /** Whether notifications may still arrive. */
  public boolean isOpen() {
    return !done.isDone();
  }

  /** Stops watching; {@link #done()} completes normally. Idempotent. */
  @Override
  public void close() {
    done.complete(null);
  }

  String request() {
    return request;
  }

  void attach(Channel channel) {
    this.channel = channel;
    if (done.isDone()) {
      closeChannel();
    }
  }

  /** tailscaled answered 200: from now on the stream may be quiet for as long as it likes. */
  void streaming() {
    streaming = true;
  }

  boolean isStreaming() {
    return streaming;
  }

  /** tailscaled ended the response. */
  void ended() {
    done.complete(null);
  }

  void fail(Throwable cause) {
    done.completeExceptionally(cause);
  }

  private void closeChannel() {
    Channel ch = channel;
    if (ch != null) {
      ch.close();
    }
  }
}
