package dev.tailgate.cli;

import dev.tailgate.connect.ConnectExit;

/** Exit codes, listed in {@code tailgate --help}. */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /** A failure at run time (see the error line). */
  public static final int FAILURE = 1;

  /** The command line itself is wrong: an unknown flag, a missing argument. */
  public static final int USAGE = 2;

  /** A setting is wrong: a bad rule, port, address or file. Nothing was started. */
  public static final int CONFIG = 3;

  /** A needed resource is unavailable: the listen address is taken or not local. */
  public static final int UNAVAILABLE = 4;

  /** tailscaled could not be brought up: missing binary, taken port, failed login. */
  public static final int BOOTSTRAP = 5;

  /** {@code status}, {@code reload}: no tailgate is running. */
  public static final int NOT_RUNNING = 6;

  /** {@code connect}: the relay's allowlist refused the target (SOCKS5 reply 0x02). */
  public static final int DENIED = ConnectExit.DENIED;

  /** {@code connect}: the relay could not reach the target (any other SOCKS5 failure). */
  public static final int TARGET_FAILED = ConnectExit.TARGET_FAILED;

  /** {@code connect}: no relay answered at the address. */
  public static final int NO_RELAY = ConnectExit.NO_RELAY;

  private ExitCodes() {}
}
