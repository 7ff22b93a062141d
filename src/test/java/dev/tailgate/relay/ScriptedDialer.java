package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * A dialer for handler tests: succeeds with an {@link EmbeddedChannel} standing in for the target,
 * or fails with a chosen {@link DialFailure}; records what it was asked to dial.
 */
final class ScriptedDialer implements UpstreamDialer {
  final List<String> dialed = new ArrayList<>();
  final EmbeddedChannel target = new EmbeddedChannel();
  private final DialFailure failure;

  private ScriptedDialer(DialFailure failure) {
    this.failure = failure;
  }

  static ScriptedDialer succeeding() {
    return new ScriptedDialer(null);
  }

  static ScriptedDialer failing(DialFailure failure) {
    return new ScriptedDialer(failure);
  }

  @Override
  public Future<Channel> dial(Channel inbound, String host, int port) {
    dialed.add(host + ":" + port);
    if (failure != null) {
      return inbound.eventLoop().newFailedFuture(new DialException(failure, null));
    }
    return inbound.eventLoop().newSucceededFuture(target);
  }

  @Override
  public String describe() {
    return "scripted";
  }
}
