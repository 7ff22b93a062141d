package dev.tailgate.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Everything the status page and {@code /api/status} show, as one immutable snapshot. No secret is
 * in it: no key, no password, no key file path.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Status(
    String generated,
    Relay relay,
    Daemon daemon,
    Connections connections,
    List<Refusal> refusals,
    List<Peer> peers) {

  /** The listener; {@code lastReload} is absent before the first reload. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Relay(
      String address,
      String upstream,
      @JsonProperty("allow_rules") List<String> allowRules,
      boolean listening,
      @JsonProperty("last_reload") Reload lastReload) {}

  /**
   * One reload of the allowlist and limits.
   *
   * @param at when it ran
   * @param trigger {@code SIGHUP} or {@code file change}
   * @param ok false when the new settings were rejected (and the old ones kept)
   * @param message what changed, or what was wrong
   */
  public record Reload(String at, String trigger, boolean ok, String message) {}

  /** tailscaled as the supervisor sees it; {@code managed} false with --no-bootstrap. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Daemon(
      boolean managed,
      String phase,
      @JsonProperty("backend_state") String backendState,
      long pid,
      int restarts,
      @JsonProperty("last_failure") String lastFailure,
      String since,
      @JsonProperty("magic_dns_suffix") String magicDnsSuffix,
      List<Transition> history) {}

  /** A change of the daemon's phase. */
  public record Transition(String at, String phase, String note) {}

  /**
   * Open connections: how many, the oldest {@code shown} of them, and the busiest targets, so that
   * thousands of connections stay one small page.
   */
  public record Connections(
      int open,
      long total,
      List<Connection> shown,
      @JsonProperty("by_target") List<TargetCount> byTarget) {}

  /**
   * One open connection; a loopback client's uid and command when they were found ({@code null}
   * otherwise), so that the page says which local user or tool holds each connection.
   *
   * @param clientTag what the client said it is for (e.g. the Ansible host and play), or null
   */
  public record Connection(
      String id,
      String client,
      String proto,
      String target,
      String phase,
      @JsonProperty("bytes_up") long bytesUp,
      @JsonProperty("bytes_down") long bytesDown,
      @JsonProperty("age_ms") long ageMs,
      @JsonProperty("client_uid") Integer clientUid,
      @JsonProperty("client_cmd") String clientCmd,
      @JsonProperty("client_tag") String clientTag) {
    /** A connection whose client is not a known local process and has no tag. */
    public Connection(
        String id,
        String client,
        String proto,
        String target,
        String phase,
        long bytesUp,
        long bytesDown,
        long ageMs) {
      this(id, client, proto, target, phase, bytesUp, bytesDown, ageMs, null, null, null);
    }
  }

  /** How many open connections go to one target. */
  public record TargetCount(String target, int count) {}

  /** The most uids a peer's row lists as admitted to ssh by {@code from uid} rules. */
  public static final int SSH_UIDS_SHOWN = 8;

  /** A refused connection and the rule (or its absence) that decided. */
  public record Refusal(
      String ts, String client, String proto, String target, String rule, String reason) {}

  /**
   * A tailnet peer, whether the allowlist admits ssh (port 22) to it from a client of unknown uid
   * and with which rule, the uids that {@code from uid} rules admit to its port 22 when that client
   * is refused ({@code ssh_uids}: at most {@link #SSH_UIDS_SHOWN}, the lowest; the rule is then the
   * first of theirs), and the first rule that admits it on any port ({@code admitted_by}, absent
   * when none does).
   */
  public record Peer(
      String name,
      List<String> ips,
      String os,
      boolean online,
      List<String> tags,
      @JsonProperty("ssh_allowed") boolean sshAllowed,
      @JsonProperty("ssh_uids") List<Integer> sshUids,
      String rule,
      @JsonProperty("admitted_by") String admittedBy) {}
}
