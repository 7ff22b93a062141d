package dev.tailgate.relay;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A dialer for handler tests: succeeds with an {@link EmbeddedChannel} standing in for the target,
 * or fails with a chosen {@link DialFailure}; records what it was asked to dial.
 */
final class ScriptedDialer implements UpstreamDialer {
  final List<String> dialed = new ArrayList<>();
  final EmbeddedChannel target = new EmbeddedChannel();
  private final DialFailure failure;
  private final Deque<DialFailure> failFirst = new ArrayDeque<>();

  private ScriptedDialer(DialFailure failure) {
    this.failure = failure;
  }

  /** Fails with these, one per dial, before it starts succeeding. */
  static ScriptedDialer failingFirst(DialFailure... failures) {
    ScriptedDialer d = new ScriptedDialer(null);
    d.failFirst.addAll(List.of(failures));
    return d;
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
    DialFailure next = failFirst.isEmpty() ? failure : failFirst.poll();
    if (next != null) {
      return inbound.eventLoop().newFailedFuture(new DialException(next, null));
    }
    return inbound.eventLoop().newSucceededFuture(target);
  }

  @Override
  public String describe() {
    return "scripted";
  }
}
