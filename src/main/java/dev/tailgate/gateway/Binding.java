package dev.tailgate.gateway;

import dev.tailgate.config.HostPort;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;

/** Starting a listener, with the one-line error a taken address gets. */
final class Binding {
  private Binding() {}

  /**
   * A listener that binds, or a BindException that says which address and what to do.
   *
   * @param what the listener, named as its flag: {@code listen}, {@code admin}
   */
  static <T> T bind(String what, InetSocketAddress address, Callable<T> start) throws Exception {
    try {
      return start.call();
    } catch (Exception e) {
      if (e instanceof BindException || OneLine.of(e).contains("in use")) {
        BindException bind =
            new BindException(
                "cannot listen on "
                    + HostPort.format(address)
                    + " ("
                    + what
                    + "): "
                    + OneLine.of(e)
                    + " (is another tailgate running? `tailgate status` tells; or pick another --"
                    + what
                    + ")");
        bind.initCause(e);
        throw bind;
      }
      throw e;
    }
  }
}
