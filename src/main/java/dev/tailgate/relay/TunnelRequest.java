package dev.tailgate.relay;

/**
 * A complete request from any of the three protocols: where the client wants to go.
 *
 * @param host the target as the client sent it (a name or an address literal), never resolved
 * @param port the target port, 1..65535 (0 is refused by the allowlist as no rule admits it)
 */
record TunnelRequest(String host, int port) {}
