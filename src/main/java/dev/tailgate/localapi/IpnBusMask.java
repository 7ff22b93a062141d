package dev.tailgate.localapi;

/**
 * Bits of the {@code mask} for {@link LocalApiClient#watchIpnBus}: tailscale's {@code
 * ipn.NotifyWatchOpt} (ipn/backend.go), whose values are a stable part of the LocalAPI.
 */
public final class IpnBusMask {
  /** Send engine updates (traffic counters) as they change. */
  public static final int WATCH_ENGINE_UPDATES = 1;

  /** The first message carries the current State (and a SessionID). */
  public static final int INITIAL_STATE = 1 << 1;

  /** Leave private keys out; {@link LocalApiClient#watchIpnBus} always sets it. */
  public static final int NO_PRIVATE_KEYS = 1 << 4;

  /** The first message carries the current health state. */
  public static final int INITIAL_HEALTH_STATE = 1 << 7;

  /** Rate-limit frequent network map updates. */
  public static final int RATE_LIMIT = 1 << 8;

  private IpnBusMask() {}
}
