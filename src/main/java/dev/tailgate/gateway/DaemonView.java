package dev.tailgate.gateway;

import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.web.Status;
import java.util.List;
import java.util.Locale;

/**
 * The supervisor's view of tailscaled as tailgate shows it, mapped in this one place for both the
 * run-state file ({@code status}, {@code down}) and the admin listener's {@code /api/status}.
 */
final class DaemonView {
  /** With {@code --no-bootstrap}: nothing is managed. */
  static final Status.Daemon UNMANAGED =
      new Status.Daemon(false, null, null, -1, 0, null, null, null, List.of());

  private DaemonView() {}

  /**
   * @param supervisor tailscaled's, or {@code null} with {@code --no-bootstrap}
   * @param withHistory whether to list the phase transitions (the status page does; the run-state
   *     file, rewritten every two seconds, does not)
   * @return {@link #UNMANAGED} without a supervisor
   */
  static Status.Daemon of(Supervisor supervisor, boolean withHistory) {
    if (supervisor == null) {
      return UNMANAGED;
    }
    Supervisor.Snapshot s = supervisor.snapshot();
    return new Status.Daemon(
        true,
        name(s.phase()),
        s.backendState(),
        s.pid(),
        s.restarts(),
        s.lastFailure(),
        s.since().toString(),
        s.magicDnsSuffix(),
        withHistory
            ? supervisor.history().stream()
                .map(t -> new Status.Transition(t.at().toString(), name(t.phase()), t.note()))
                .toList()
            : null);
  }

  private static String name(Supervisor.Phase phase) {
    return phase.name().toLowerCase(Locale.ROOT);
  }
}
