package dev.tailgate.relay;

/**
 * Why a dial failed, in the terms each protocol can reply with, and whether the upstream itself
 * (rather than the target) is to blame.
 *
 * @param socks5Reply the RFC 1928 reply code to send
 * @param result the connection log's result word
 * @param reason one readable sentence, without secrets
 * @param upstreamFault true when the upstream proxy itself failed (down, wedged, bad handshake)
 */
public record DialFailure(byte socks5Reply, String result, String reason, boolean upstreamFault) {

  static final byte GENERAL = 0x01;
  static final byte NOT_ALLOWED = 0x02;
  static final byte NETWORK_UNREACHABLE = 0x03;
  static final byte HOST_UNREACHABLE = 0x04;
  static final byte REFUSED = 0x05;
  static final byte TTL_EXPIRED = 0x06;

  static DialFailure refused(String reason) {
    return new DialFailure(REFUSED, "refused", reason, false);
  }

  /** tailgate itself refuses the dial (a direct target that resolved to this host). */
  static DialFailure notAllowed(String reason) {
    return new DialFailure(NOT_ALLOWED, "denied", reason, false);
  }

  static DialFailure hostUnreachable(String reason) {
    return new DialFailure(HOST_UNREACHABLE, "unreachable", reason, false);
  }

  static DialFailure networkUnreachable(String reason) {
    return new DialFailure(NETWORK_UNREACHABLE, "unreachable", reason, false);
  }

  static DialFailure timeout(String reason) {
    return new DialFailure(TTL_EXPIRED, "timeout", reason, false);
  }

  static DialFailure general(String reason) {
    return new DialFailure(GENERAL, "error", reason, false);
  }

  /** The upstream proxy itself is down or broken: a general failure to the client. */
  static DialFailure upstream(String result, String reason) {
    return new DialFailure(GENERAL, result, reason, true);
  }

  /** The upstream SOCKS5 server answered with a failure code for this target. */
  static DialFailure upstreamReply(byte code) {
    String result =
        switch (code) {
          case REFUSED -> "refused";
          case HOST_UNREACHABLE, NETWORK_UNREACHABLE -> "unreachable";
          case TTL_EXPIRED -> "timeout";
          case NOT_ALLOWED -> "denied";
          default -> "error";
        };
    String reason = String.format("upstream SOCKS5 replied 0x%02x (%s)", code, describe(code));
    return new DialFailure(code, result, reason, false);
  }

  /** Whether the failure is a timeout, which HTTP reports as 504 rather than 502. */
  boolean isTimeout() {
    return "timeout".equals(result);
  }

  /** Whether the dial was refused rather than failed, which HTTP reports as 403 rather than 502. */
  boolean isRefusal() {
    return "denied".equals(result);
  }

  static String describe(byte code) {
    return switch (code) {
      case GENERAL -> "general failure";
      case NOT_ALLOWED -> "not allowed by ruleset";
      case NETWORK_UNREACHABLE -> "network unreachable";
      case HOST_UNREACHABLE -> "host unreachable";
      case REFUSED -> "connection refused";
      case TTL_EXPIRED -> "TTL expired";
      case 0x07 -> "command not supported";
      case 0x08 -> "address type not supported";
      default -> "unassigned";
    };
  }
}
