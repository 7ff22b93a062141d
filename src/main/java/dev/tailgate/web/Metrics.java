package dev.tailgate.web;

import dev.tailgate.audit.ConnectionEvent;
import dev.tailgate.audit.ConnectionLog;
import dev.tailgate.policy.PeerList;
import dev.tailgate.relay.RelayStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * tailgate's meters, in Prometheus text for {@code /metrics}: connections open and ended (by result
 * and protocol), bytes each way, denials by rule, report mode's would-be denials by rule, upstream
 * dial latency, re-bootstraps, tailscaled's phase, reloads, and the instant answers for offline or
 * unknown peers by kind. Fed by the connection log, the relay's dial listener and the gate's
 * instant answers; it never blocks.
 */
public final class Metrics implements ConnectionLog, RelayStats.DialListener {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final DistributionSummary bytesUp;
  private final DistributionSummary bytesDown;
  private final Timer dialOk;
  private final Timer dialFailed;
  private final Map<PeerList.Unreachable.Kind, Counter> instantAnswers =
      new EnumMap<>(PeerList.Unreachable.Kind.class);

  /** Distinct uids given a label of their own; the rest share {@code other}, so labels stay few. */
  static final int MAX_UID_LABELS = 32;

  private final Set<String> uidLabels = ConcurrentHashMap.newKeySet();

  /** The per-connection counters, by name and tag values ({@link #counter}). */
  private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

  /** A counter's name and description; its tags vary. */
  private record Family(String name, String description) {}

  private static final Family CONNECTIONS =
      new Family("tailgate.connections", "Client connections that ended, by result and protocol");
  private static final Family DENIALS =
      new Family(
          "tailgate.denials",
          "Targets the allowlist refused, by the rule that decided (none: no rule matched)");
  private static final Family LOCAL_CONNECTIONS =
      new Family(
          "tailgate.local.connections",
          "Loopback client connections that ended, by the uid owning the client's socket");
  private static final Family WOULD_DENY =
      new Family(
          "tailgate.would.deny",
          "Targets let through in report mode that enforce mode refuses, by rule (none: no rule"
              + " matched)");

  public Metrics() {
    bytesUp =
        DistributionSummary.builder("tailgate.bytes.up")
            .baseUnit("bytes")
            .description("Bytes relayed from clients to targets, per connection")
            .register(registry);
    bytesDown =
        DistributionSummary.builder("tailgate.bytes.down")
            .baseUnit("bytes")
            .description("Bytes relayed from targets to clients, per connection")
            .register(registry);
    dialOk = dialTimer("ok");
    dialFailed = dialTimer("failed");
    // Every kind from the start, at 0: a rate over a counter that appears late misses its first.
    for (PeerList.Unreachable.Kind kind : PeerList.Unreachable.Kind.values()) {
      instantAnswers.put(
          kind,
          Counter.builder("tailgate.instant.answers")
              .description(
                  "Admitted targets answered host-unreachable at once from the peer list, without"
                      + " a dial, by reason")
              .tag("reason", kind.label())
              .register(registry));
    }
  }

  private Timer dialTimer(String outcome) {
    return Timer.builder("tailgate.upstream.dial")
        .description("Time to open the outbound leg, upstream handshake included")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  /** A gauge read when scraped, e.g. open connections. */
  public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
    Gauge.builder(name, source, value).description(description).register(registry);
  }

  /** tailscaled's phase as one gauge per phase, 1 for the current one. */
  public void phases(Supplier<String> phase, String... all) {
    for (String p : all) {
      Gauge.builder("tailgate.tailscaled.phase", phase, s -> p.equals(s.get()) ? 1 : 0)
          .description("1 for tailscaled's current phase as the supervisor sees it")
          .tag("phase", p)
          .register(registry);
    }
  }

  @Override
  public void record(ConnectionEvent e) {
    if (e.isRequest()) {
      return; // its connection's line counts it
    }
    counter(CONNECTIONS, "result", e.result(), "proto", e.proto() == null ? "unknown" : e.proto())
        .increment();
    if ("deny".equals(e.decision())) {
      counter(DENIALS, "rule", e.rule() == null ? "none" : e.rule()).increment();
    }
    if (e.local() != null) {
      counter(LOCAL_CONNECTIONS, "uid", uidLabel(e.local().uid())).increment();
    }
    if ("would_deny".equals(e.decision())) {
      counter(WOULD_DENY, "rule", e.rule() == null ? "none" : e.rule()).increment();
    }
    if (e.bytesUp() > 0 || e.bytesDown() > 0) {
      bytesUp.record(e.bytesUp());
      bytesDown.record(e.bytesDown());
    }
  }

  /**
   * The counter of {@code family} with these tags (key, value, key, value...): registered the first
   * time, then found by one map lookup on the connection's path, without building and sorting its
   * tags again. Its values are bounded as the tags are: results, protocols, the allowlist's rules,
   * {@link #MAX_UID_LABELS} uids.
   */
  private Counter counter(Family family, String... tags) {
    List<String> key = new ArrayList<>(tags.length + 1);
    key.add(family.name());
    Collections.addAll(key, tags);
    Counter c = counters.get(key);
    if (c == null) {
      c =
          counters.computeIfAbsent(
              key,
              k ->
                  Counter.builder(family.name())
                      .description(family.description())
                      .tags(tags)
                      .register(registry));
    }
    return c;
  }

  private String uidLabel(Integer uid) {
    if (uid == null) {
      return "unknown";
    }
    String label = uid.toString();
    if (uidLabels.contains(label) || (uidLabels.size() < MAX_UID_LABELS && uidLabels.add(label))) {
      return label;
    }
    return "other";
  }

  /** A reload of the allowlist and limits ran: applied, or rejected with the old policy kept. */
  public void reloaded(boolean ok) {
    Counter.builder("tailgate.reloads")
        .description("Reloads of the allowlist and limits, by result (rejected: the old stay)")
        .tag("result", ok ? "ok" : "rejected")
        .register(registry)
        .increment();
  }

  /** The gate answered an admitted target from the peer list instead of dialling it. */
  public void instantAnswer(PeerList.Unreachable.Kind kind) {
    instantAnswers.get(kind).increment();
  }

  @Override
  public void dialed(long nanos, boolean ok) {
    (ok ? dialOk : dialFailed).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    registry.close();
  }
}
