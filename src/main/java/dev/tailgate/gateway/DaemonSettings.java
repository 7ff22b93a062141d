package dev.tailgate.gateway;

import dev.tailgate.bootstrap.Backoff;
import dev.tailgate.bootstrap.BootstrapException;
import dev.tailgate.bootstrap.BootstrapSettings;
import dev.tailgate.bootstrap.TailscaledCommand;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.keys.AuthKeySource;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the supervisor needs, from tailgate's settings: the programs found on PATH (or as given),
 * the key source parsed, tailscaled's command lines.
 */
public final class DaemonSettings {
  private DaemonSettings() {}

  public static BootstrapSettings of(TailgateConfig cfg)
      throws ConfigException, BootstrapException {
    TailgateConfig.Daemon d = cfg.daemon();
    // The form was checked with the other settings (TailgateConfig.from).
    Optional<AuthKeySource> key = Optional.ofNullable(d.authKey()).map(AuthKeySource::parse);
    Optional<String> keyEnv =
        Optional.ofNullable(d.authKey()).filter(k -> k.startsWith("env:")).map(k -> k.substring(4));
    TailscaledCommand command =
        new TailscaledCommand(
            Programs.find(
                d.tailscaled(), "--tailscaled", "install it (scripts/install-tailscale.sh)"),
            Programs.find(d.tailscale(), "--tailscale", "install it with tailscaled"),
            cfg.upstream().socks5().getAddress().getHostAddress(),
            cfg.upstream().socks5().getPort(),
            d.stateDir(),
            d.socket(),
            OptionalInt.empty(),
            Optional.ofNullable(d.hostname()),
            Optional.ofNullable(d.loginServer()),
            d.advertiseTags(),
            d.ephemeral());
    return new BootstrapSettings(
        command,
        key,
        keyEnv,
        d.log(),
        Programs.find("setsid", null, "install util-linux"),
        BootstrapSettings.DEFAULT_HOLD_TIMEOUT,
        cfg.maxWaiting(),
        Backoff.DEFAULT);
  }
}
