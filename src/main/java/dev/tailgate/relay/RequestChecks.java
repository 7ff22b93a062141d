package dev.tailgate.relay;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Why a request that netty decoded is not forwarded, checked before it is judged: what the decoder
 * found malformed (431 for header fields beyond the bound, 414 for a request line beyond it, 400
 * otherwise), a version other than HTTP/1.0 and 1.1 (505), and the {@code Host} rule of RFC 9112
 * §3.2 that netty leaves to the server (400 for an HTTP/1.1 request without one, and for any with
 * more than one), so that what reaches a target is a request every server reads the same way.
 */
final class RequestChecks {
  /** The answer to a request tailgate does not forward: its status and one sentence why. */
  record Refusal(HttpResponseStatus status, String reason) {}

  private RequestChecks() {}

  /** The refusal of {@code request}, or null if it may be judged and forwarded. */
  static Refusal forwarding(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      return malformed(request.decoderResult().cause());
    }
    HttpVersion version = request.protocolVersion();
    if (!version.equals(HttpVersion.HTTP_1_1) && !version.equals(HttpVersion.HTTP_1_0)) {
      return new Refusal(
          HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          "only HTTP/1.0 and HTTP/1.1 are forwarded (got " + version.text() + ")");
    }
    int hosts = request.headers().getAll(HttpHeaderNames.HOST).size();
    if (hosts > 1 || (hosts == 0 && version.equals(HttpVersion.HTTP_1_1))) {
      return new Refusal(
          HttpResponseStatus.BAD_REQUEST,
          "an HTTP/1.1 request needs exactly one Host field (got " + hosts + ")");
    }
    return null;
  }

  /** What to answer a request the decoder could not read. */
  static Refusal malformed(Throwable cause) {
    HttpResponseStatus status =
        cause instanceof TooLongHttpHeaderException
            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            : cause instanceof TooLongHttpLineException
                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : HttpResponseStatus.BAD_REQUEST;
    return new Refusal(status, "malformed HTTP request: " + DialErrors.oneLine(cause));
  }
}
