package dev.tailgate.audit;

import java.time.Instant;

/**
 * What the log says about one connection, fixed when the connection ends.
 *
 * @param ts when the connection was accepted
 * @param id the connection id, as in every diagnostic line about it
 * @param client the client's address, {@code host:port}
 * @param proto {@code socks5}, {@code socks4}, {@code http}, or {@code null} when never detected
 * @param targetHost the target as the client named it, {@code null} before the request was read
 * @param targetPort the target port, 0 before the request was read
 * @param decision {@code allow}, {@code deny}, {@code would_deny} (refused, but let through in
 *     report mode), or {@code null} when no request was read
 * @param rule the allowlist rule that decided, or {@code null} when none matched
 * @param reason a short sentence for refusals and failures, {@code null} on success (for {@code
 *     would_deny}, the refusal's)
 * @param result how it went: ok, denied, refused, timeout, unreachable, error, protocol_error
 * @param bytesUp bytes relayed from the client to the target
 * @param bytesDown bytes relayed from the target to the client
 * @param durationMs from accept to close
 * @param closedBy client, target, idle, error or relay
 */
public record ConnectionEvent(
    Instant ts,
    String id,
    String client,
    String proto,
    String targetHost,
    int targetPort,
    String decision,
    String rule,
    String reason,
    String result,
    long bytesUp,
    long bytesDown,
    long durationMs,
    String closedBy) {}
