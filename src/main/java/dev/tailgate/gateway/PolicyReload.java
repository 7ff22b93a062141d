package dev.tailgate.gateway;

import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.config.ConfigException;
import dev.tailgate.config.TailgateConfig;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.RuleSyntaxException;
import dev.tailgate.relay.Policy;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.web.Metrics;
import dev.tailgate.web.Status;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One running gateway's reloads of its allowlist and limits: the settings read again exactly as at
 * start, and either the whole new policy put in force or none of it (decision record 9). The
 * triggers are {@link Reloader}'s; this class runs on its thread.
 */
final class PolicyReload {
  private final Gateway.Reread reread;
  private final RelayServer relay;
  private final Supervisor supervisor;
  private final Metrics metrics;
  private final Consumer<String> say;
  private final Runnable changed;

  /** The settings in force: the start's until the first reload that succeeds. */
  private TailgateConfig current;

  private volatile Status.Reload last;

  /**
   * @param supervisor tailscaled's, for its MagicDNS suffix and its hold bound, or {@code null}
   * @param say prints one line to the user
   * @param changed runs after each reload, applied or rejected (the run state is written anew)
   */
  PolicyReload(
      TailgateConfig initial,
      Gateway.Reread reread,
      RelayServer relay,
      Supervisor supervisor,
      Metrics metrics,
      Consumer<String> say,
      Runnable changed) {
    this.current = initial;
    this.reread = reread;
    this.relay = relay;
    this.supervisor = supervisor;
    this.metrics = metrics;
    this.say = say;
    this.changed = changed;
  }

  /**
   * The allowlist of {@code settings} in its mode, with the supervisor's MagicDNS suffix for
   * `tailnet` and its live peer list for `tag:` and `os:` rules.
   */
  static Allowlist allowlist(TailgateConfig settings, Supervisor supervisor)
      throws ConfigException {
    try {
      return Allowlist.parse(
              settings.rules(), supervisor == null ? () -> null : supervisor::magicDnsSuffix)
          .in(settings.allowlistMode())
          .withPeers(new PeerFeed(supervisor));
    } catch (RuleSyntaxException e) {
      throw new ConfigException("allow: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the settings again and puts the new allowlist and limits in force for new connections;
   * established ones stay unless {@code close-denied-on-reload}. A file with any error changes
   * nothing: the whole running policy stays, never half of a new one.
   *
   * @param why what caused it, for the line it prints: {@code SIGHUP}, {@code file change}
   */
  synchronized void run(String why) {
    TailgateConfig next;
    Allowlist allowlist;
    try {
      next = reread.read();
      allowlist = allowlist(next, supervisor);
    } catch (ConfigException | RuntimeException e) {
      done(why, false, "rejected, the running policy stays: " + OneLine.of(e));
      return;
    }
    int closed =
        relay.reload(
            new Policy(allowlist, Gateway.relayLimits(next.limits())), next.closeDeniedOnReload());
    if (supervisor != null) {
      supervisor.maxWaiting(next.maxWaiting());
    }
    String summary = ReloadSummary.of(current, next, closed);
    current = next;
    done(why, true, summary);
  }

  /** The last reload, or {@code null} before the first. */
  Status.Reload last() {
    return last;
  }

  private void done(String why, boolean ok, String message) {
    last = new Status.Reload(Instant.now().toString(), why, ok, message);
    metrics.reloaded(ok);
    say.accept("reload (" + why + ")" + (ok ? ": " : " ") + message);
    changed.run();
  }
}
