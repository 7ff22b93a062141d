package dev.tailgate.relay;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.proxy.ProxyConnectException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Locale;

/** Turns the exceptions a dial can end with into a {@link DialFailure}. */
final class DialErrors {
  private DialErrors() {}

  /** A failure dialling the target directly from this host. */
  static DialFailure direct(String target, Throwable cause) {
    String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
    if (cause instanceof ConnectTimeoutException) {
      return DialFailure.timeout("connect to " + target + " timed out");
    }
    if (cause instanceof UnknownHostException) {
      return DialFailure.hostUnreachable("cannot resolve " + target);
    }
    if (cause instanceof NoRouteToHostException || message.contains("no route to host")) {
      return DialFailure.hostUnreachable("no route to " + target);
    }
    if (message.contains("network is unreachable")) {
      return DialFailure.networkUnreachable("network unreachable for " + target);
    }
    if (cause instanceof ConnectException || message.contains("connection refused")) {
      return DialFailure.refused(target + " refused the connection");
    }
    return DialFailure.general("connect to " + target + " failed: " + oneLine(cause));
  }

  /** A failure reaching or talking to the upstream SOCKS5 server itself. */
  static DialFailure upstream(String upstream, Throwable cause) {
    String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
    if (cause instanceof ConnectTimeoutException) {
      return DialFailure.upstream("timeout", "upstream " + upstream + " did not accept in time");
    }
    if (cause instanceof ProxyConnectException && message.contains("timeout")) {
      return DialFailure.upstream("timeout", "upstream " + upstream + " handshake timed out");
    }
    if (cause instanceof ConnectException || message.contains("connection refused")) {
      return DialFailure.upstream("error", "upstream " + upstream + " refused the connection");
    }
    return DialFailure.upstream("error", "upstream " + upstream + " failed: " + oneLine(cause));
  }

  static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.replaceAll("[\\r\\n\\t]+", " ");
  }
}
