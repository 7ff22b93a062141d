package dev.tailgate.connect;

/** Exit codes of {@code tailgate connect}; {@code cli.ExitCodes} lists them with the others. */
public final class ConnectExit {
  /** The tunnel was up and ended normally. */
  public static final int OK = 0;

  /** The tunnel was up and broke (a reset), or {@code --start} could not start tailgate. */
  public static final int FAILURE = 1;

  /** The command line is wrong. */
  public static final int USAGE = 2;

  /** The relay refused the target: its allowlist (SOCKS5 reply 0x02). */
  public static final int DENIED = 7;

  /** The relay could not reach the target (any other SOCKS5 failure reply). */
  public static final int TARGET_FAILED = 8;

  /** No relay answered at the address, or it is not a SOCKS5 relay without a password. */
  public static final int NO_RELAY = 9;

  private ConnectExit() {}
}
