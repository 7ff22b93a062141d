package dev.tailgate.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A gate for handler tests: the test opens it, fails it, and chooses each verdict. */
final class ScriptedGate implements UpstreamGate {
  CompletableFuture<Void> ready = new CompletableFuture<>();

  /** What {@link #whenSettled} gives; {@link #ready} while null. */
  CompletableFuture<Void> settled;

  Verdict verdict = Verdict.RETRY;
  final List<DialFailure> judged = new ArrayList<>();

  @Override
  public CompletableFuture<Void> whenReady() {
    return ready;
  }

  @Override
  public CompletableFuture<Void> whenSettled() {
    return settled == null ? ready : settled;
  }

  @Override
  public CompletableFuture<Verdict> judge(DialFailure failure) {
    judged.add(failure);
    return CompletableFuture.completedFuture(verdict);
  }
}
