package dev.tailgate.bootstrap;

import dev.tailgate.keys.AuthKeySource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What the supervisor needs, validated by the config layer.
 *
 * @param command the tailscaled and {@code tailscale up} command lines
 * @param authKey where a key comes from when a login is needed, or empty: print the AuthURL
 * @param authKeyEnv the variable an {@code env:} source reads, kept out of the daemon's environment
 * @param tailscaledLog the daemon's output
 * @param setsid the {@code setsid} program that detaches the daemon into a session of its own
 * @param holdTimeout how long a client is held while tailscaled recovers
 * @param maxWaiting how many clients may be held at once; more are refused at once
 * @param backoff restart pacing
 */
public record BootstrapSettings(
    TailscaledCommand command,
    Optional<AuthKeySource> authKey,
    Optional<String> authKeyEnv,
    Path tailscaledLog,
    Path setsid,
    Duration holdTimeout,
    int maxWaiting,
    Backoff backoff) {

  public static final Duration DEFAULT_HOLD_TIMEOUT = Duration.ofSeconds(30);

  /** How long a fresh daemon may take to create its socket and reach a known state. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  /** How long {@code tailscale up} may run: its own --timeout and a margin. */
  static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(75);

  /** TERM, then KILL after this. */
  static final Duration STOP_GRACE = Duration.ofSeconds(3);

  /** How often a Running daemon's LocalAPI is asked whether it is alive. */
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);

  /** A probe that takes longer than this counts as a failure (a wedged daemon). */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
}
