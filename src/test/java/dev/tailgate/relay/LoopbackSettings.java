package dev.tailgate.relay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Settings for a test relay on real sockets: loopback port 0, 10 s timeouts, 1 min idle. */
final class LoopbackSettings {
  private LoopbackSettings() {}

  static RelaySettings with(RelaySettings.Limits limits) {
    return new RelaySettings(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        Duration.ofSeconds(10),
        Duration.ofSeconds(10),
        Duration.ofMinutes(1),
        null,
        limits);
  }
}
