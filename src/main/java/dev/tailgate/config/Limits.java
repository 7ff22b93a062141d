package dev.tailgate.config;

/**
 * The connection limits as the settings give them; the gateway hands them to the relay as its own
 * {@code RelaySettings.Limits} (a test holds the two defaults equal), so that config knows nothing
 * of the relay.
 *
 * @param connections client connections open at once ({@code max-connections})
 * @param perClient open at once from one client ({@code max-per-client})
 * @param handshakes accepted but without a complete request yet ({@code max-handshakes})
 * @param perClientHandshakes of those, from one client ({@code max-handshakes-per-client})
 * @param identity what one client of a loopback listener is ({@code client-identity})
 */
public record Limits(
    int connections,
    int perClient,
    int handshakes,
    int perClientHandshakes,
    ClientIdentity identity) {

  public static final Limits DEFAULT = new Limits(10_000, 10_000, 1_000, 250, ClientIdentity.UID);

  /** What counts as one client on loopback, where every client's address is 127.0.0.1 or ::1. */
  public enum ClientIdentity {
    /** The uid owning the client's socket. */
    UID,
    /** The process holding the client's socket. */
    PROCESS,
    /** The address, as for remote clients. */
    ADDRESS
  }
}
