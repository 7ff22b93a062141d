package dev.tailgate.localapi;

import java.util.Optional;

/**
 * tailscaled's {@code ipn.State}: a name in the status JSON's {@code BackendState}, an integer in
 * the IPN bus's {@code State}.
 */
public enum IpnState {
  NO_STATE(0, "NoState"),
  IN_USE_OTHER_USER(1, "InUseOtherUser"),
  NEEDS_LOGIN(2, "NeedsLogin"),
  NEEDS_MACHINE_AUTH(3, "NeedsMachineAuth"),
  STOPPED(4, "Stopped"),
  STARTING(5, "Starting"),
  RUNNING(6, "Running");

  private final int code;
  private final String wireName;

  IpnState(int code, String wireName) {
    this.code = code;
    this.wireName = wireName;
  }

  /** The integer on the IPN bus. */
  public int code() {
    return code;
  }

  /** The name in {@code BackendState}. */
  public String wireName() {
    return wireName;
  }

  public static Optional<IpnState> fromCode(int code) {
    for (IpnState state : values()) {
      if (state.code == code) {
        return Optional.of(state);
      }
    }
    return Optional.empty();
  }

  public static Optional<IpnState> fromName(String name) {
    for (IpnState state : values()) {
      if (state.wireName.equals(name)) {
        return Optional.of(state);
      }
    }
    return Optional.empty();
  }
}
