package dev.tailgate.localapi;

import dev.tailgate.base.Messages;
import java.io.IOException;

/**
 * A LocalAPI call failed: no daemon, no answer in time, an HTTP error, or output we cannot read.
 */
public final class LocalApiException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int statusCode;

  public LocalApiException(String message) {
    this(message, 0, null);
  }

  public LocalApiException(String message, Throwable cause) {
    this(message, 0, cause);
  }

  private LocalApiException(String message, int statusCode, Throwable cause) {
    super(message, cause);
    this.statusCode = statusCode;
  }

  /** tailscaled answered {@code request} with a status other than 200. */
  static LocalApiException httpStatus(String request, int code, String reason, String body) {
    String detail = Messages.firstLine(body);
    return new LocalApiException(
        "tailscaled answered "
            + request
            + " with "
            + code
            + " "
            + reason
            + (detail.isEmpty() ? "" : ": " + detail),
        code,
        null);
  }

  /** The HTTP status tailscaled answered with, or 0 if the failure was not an HTTP answer. */
  public int statusCode() {
    return statusCode;
  }
}
