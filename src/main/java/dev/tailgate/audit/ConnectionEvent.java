package dev.tailgate.audit;

import java.time.Instant;

/**
 * What the log says about one connection, fixed when the connection ends, or about one request
 * forwarded in plain HTTP, fixed when its response ends.
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
 * @param local the local process behind a loopback client, or {@code null} for a remote client
 * @param method the HTTP method of one forwarded request, {@code null} on a connection's line
 * @param status the HTTP status the client got for that request, 0 on a connection's line and when
 *     the client left before any response
 * @param clientTag what the client said the connection is for (e.g. {@code web1@Deploy}: the
 *     Ansible host and play), from the SOCKS5 username after tailgate's marker; {@code null} when
 *     none. Never a secret, never used to admit
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
    String closedBy,
    LocalClient local,
    String method,
    int status,
    String clientTag) {

  /**
   * Whether this is the line of one request forwarded in plain HTTP; its connection has a line of
   * its own as well, so counts of connections skip these.
   */
  public boolean isRequest() {
    return method != null;
  }

  /**
   * The local process behind a loopback client, as far as it was found.
   *
   * @param uid the owner of the client's socket, or {@code null} when not found
   * @param pid a process holding it, or {@code null}
   * @param command that process's command name, or {@code null}
   * @param tree that process and its parents, nearest first ({@code java(900)<ssh(812)<bash(12)}),
   *     or {@code null}
   * @param unknown why something is missing, or {@code null}
   */
  public record LocalClient(Integer uid, Long pid, String command, String tree, String unknown) {
    /** Without a process tree. */
    public LocalClient(Integer uid, Long pid, String command, String unknown) {
      this(uid, pid, command, null, unknown);
    }
  }
}
