package dev.tailgate.bootstrap;

import java.nio.file.Path;
import java.util.Optional;

/** Stops the tailscaled a tailgate started, found by the pid file in its state dir. */
public final class DaemonStopper {
  private DaemonStopper() {}

  /** TERM, then KILL after the grace period; returns the pid stopped, if any. */
  public static Optional<Long> stop(Path stateDir) {
    Optional<TailscaledProcess> daemon = TailscaledProcess.adopt(stateDir);
    daemon.ifPresent(p -> p.stop(BootstrapSettings.STOP_GRACE));
    return daemon.map(TailscaledProcess::pid);
  }
}
