package dev.tailgate.relay;

import java.io.IOException;

/** A failed dial, carrying its classified {@link DialFailure}. */
public final class DialException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient DialFailure failure;

  DialException(DialFailure failure, Throwable cause) {
    super(failure.reason(), cause);
    this.failure = failure;
  }

  public DialFailure failure() {
    return failure;
  }
}
