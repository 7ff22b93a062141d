package dev.tailgate.keys;

/**
 * An auth key could not be fetched. The message is one line that says what to do, and never holds
 * the key or anything a secret store printed on stdout.
 */
public final class AuthKeyException extends Exception {
  private static final long serialVersionUID = 1L;

  public AuthKeyException(String message) {
    super(message);
  }
}
