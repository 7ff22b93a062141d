package dev.tailgate.gateway;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.audit.RecentRefusals;
import dev.tailgate.bootstrap.Supervisor;
import dev.tailgate.config.HostPort;
import dev.tailgate.localapi.PeerStatus;
import dev.tailgate.localapi.TailscaleStatus;
import dev.tailgate.policy.Allowlist;
import dev.tailgate.policy.Decision;
import dev.tailgate.relay.RelayServer;
import dev.tailgate.relay.RelayStats;
import dev.tailgate.web.Status;
import dev.tailgate.web.StatusSnapshots;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Builds the admin listener's {@link Status} from the running parts; reads, never changes. */
final class StatusAssembler implements StatusSnapshots {
  /** Rows of open connections on the page; the rest are counted and summarized by target. */
  static final int SHOWN = 100;

  static final int TARGETS = 20;

  private final RelayServer relay;
  private final String upstream;
  private final RecentRefusals refusals;
  private final Supervisor supervisor;
  private final Supplier<Status.Reload> lastReload;

  StatusAssembler(
      RelayServer relay,
      String upstream,
      RecentRefusals refusals,
      Supervisor supervisor,
      Supplier<Status.Reload> lastReload) {
    this.lastReload = lastReload;
    this.relay = relay;
    this.upstream = upstream;
    this.refusals = refusals;
    this.supervisor = supervisor;
  }

  @Override
  public Status snapshot() {
    RelayStats stats = relay.stats();
    List<RelayStats.LiveConnection> live = stats.live(Integer.MAX_VALUE);
    List<Status.Connection> shown =
        live.stream()
            .limit(SHOWN)
            .map(
                c ->
                    new Status.Connection(
                        c.id(),
                        c.client(),
                        c.proto(),
                        c.target(),
                        c.phase(),
                        c.bytesUp(),
                        c.bytesDown(),
                        c.ageMs(),
                        c.local() != null && c.local().hasUid() ? c.local().uid() : null,
                        c.local() != null ? c.local().command() : null,
                        c.clientTag()))
            .toList();
    List<Status.TargetCount> byTarget =
        live.stream()
            .filter(c -> c.target() != null)
            .collect(
                Collectors.groupingBy(RelayStats.LiveConnection::target, Collectors.counting()))
            .entrySet()
            .stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .limit(TARGETS)
            .map(e -> new Status.TargetCount(e.getKey(), e.getValue().intValue()))
            .toList();
    return new Status(
        Instant.now().toString(),
        new Status.Relay(
            HostPort.format(relay.address()),
            upstream,
            relay.policy().allowlist().rules(),
            relay.isListening(),
            lastReload.get()),
        DaemonView.of(supervisor, true),
        new Status.Connections(live.size(), stats.total(), shown, byTarget),
        refusals.list().stream().map(StatusAssembler::refusal).toList(),
        peers());
  }

  private List<Status.Peer> peers() {
    if (supervisor == null) {
      return List.of();
    }
    Optional<TailscaleStatus> status = supervisor.lastStatus();
    return status.map(TailscaleStatus::peers).orElse(List.of()).stream()
        .sorted(Comparator.comparing(PeerStatus::dnsNameWithoutDot))
        .map(p -> peer(p, relay.policy().allowlist()))
        .toList();
  }

  /** {@code p}'s row of the peer table, judged by {@code allowlist}. */
  static Status.Peer peer(PeerStatus p, Allowlist allowlist) {
    String name = p.dnsNameWithoutDot().isEmpty() ? p.hostName() : p.dnsNameWithoutDot();
    Decision ssh = allowlist.decide(name, 22);
    boolean anyone = ssh.allowedWhenEnforced();
    // The page cannot tell whose ssh would connect: when a client of unknown uid is refused, the
    // uids that `from uid` rules admit say who may, with the rule that admits the first of them.
    List<Integer> uids =
        anyone ? List.of() : allowlist.uidsAdmitted(name, 22, Status.SSH_UIDS_SHOWN);
    String rule = uids.isEmpty() ? ssh.rule() : allowlist.decide(name, 22, uids.get(0)).rule();
    return new Status.Peer(
        name,
        p.tailscaleIps(),
        p.os(),
        p.online(),
        p.tags(),
        anyone,
        uids,
        rule,
        allowlist.ruleAdmitting(name));
  }

  private static Status.Refusal refusal(ConnectionEvent e) {
    String target = e.targetHost() == null ? null : e.targetHost() + ":" + e.targetPort();
    return new Status.Refusal(
        e.ts().toString(), e.client(), e.proto(), target, e.rule(), e.reason());
  }
}
