package dev.tailgate.bootstrap;

/** tailscaled could not be brought up; the message is one line that says what to do. */
public final class BootstrapException extends Exception {
  private static final long serialVersionUID = 1L;

  public BootstrapException(String message) {
    super(message);
  }

  public BootstrapException(String message, Throwable cause) {
    super(message, cause);
  }
}
