package dev.tailgate.gateway;

import dev.tailgate.config.ConfigException;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.Located;
import dev.tailgate.config.TailgateConfig;
import java.nio.file.Path;
import java.util.Arrays;

/** Settings of a gateway without tailscaled, on loopback ports the system picks. */
final class Configs {
  private Configs() {}

  /**
   * {@code --no-bootstrap --upstream direct}, relay and admin on port 0, the log in {@code dir}.
   */
  static ConfigValues direct(Path dir, String... allow) {
    ConfigValues v = new ConfigValues();
    v.listen = "127.0.0.1:0";
    v.admin = "127.0.0.1:0";
    v.upstream = "direct";
    v.noBootstrap = true;
    v.logFile = dir.resolve("connections.log").toString();
    v.allow = Arrays.stream(allow).map(r -> new Located(r, "--allow", 0)).toList();
    return v;
  }

  static TailgateConfig of(ConfigValues v) throws ConfigException {
    return TailgateConfig.from(v);
  }
}
