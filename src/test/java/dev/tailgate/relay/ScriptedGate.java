package dev.tailgate.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A gate for handler tests: the test opens it, fails it, and chooses each verdict. */
final class ScriptedGate implements UpstreamGate {
  CompletableFuture<Void> ready = new CompletableFuture<>();
  Verdict verdict = Verdict.RETRY;
  final List<DialFailure> judged = new ArrayList<>();

  @Override
  public CompletableFuture<Void> whenReady() {
    return ready;
  }

  @Override
  public CompletableFuture<Verdict> judge(DialFailure failure) {
    judged.add(failure);
    return CompletableFuture.completedFuture(verdict);
  }
}
