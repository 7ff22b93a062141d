package dev.tailgate.gateway;

import dev.tailgate.config.Limits;
import dev.tailgate.config.TailgateConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The one line a reload prints: what changed, what it closed, and what waits for a restart. */
final class ReloadSummary {
  private ReloadSummary() {}

  static String of(TailgateConfig before, TailgateConfig after, int closed) {
    List<String> parts = new ArrayList<>();
    Set<String> was = new LinkedHashSet<>(before.rules());
    Set<String> now = new LinkedHashSet<>(after.rules());
    long added = now.stream().filter(r -> !was.contains(r)).count();
    long removed = was.stream().filter(r -> !now.contains(r)).count();
    String rules = now.size() + " allow rule(s)";
    if (added + removed > 0) {
      rules += " (+" + added + " -" + removed + ")";
    } else {
      rules += " (unchanged)";
    }
    if (!after.allow().isEmpty() && after.allow().get(0).source().equals("--allow")) {
      rules += ", from --allow flags, which a reload keeps";
    }
    if (before.allowlistMode() != after.allowlistMode()) {
      rules +=
          ", allowlist-mode "
              + before.allowlistMode().text()
              + " -> "
              + after.allowlistMode().text();
    }
    parts.add(rules);
    List<String> limits = new ArrayList<>();
    Limits a = before.limits();
    Limits b = after.limits();
    change(limits, "max-connections", a.connections(), b.connections());
    change(limits, "max-per-client", a.perClient(), b.perClient());
    change(limits, "max-handshakes", a.handshakes(), b.handshakes());
    change(limits, "max-handshakes-per-client", a.perClientHandshakes(), b.perClientHandshakes());
    if (a.identity() != b.identity()) {
      limits.add("client-identity " + a.identity() + " -> " + b.identity());
    }
    change(limits, "max-waiting", before.maxWaiting(), after.maxWaiting());
    parts.add(limits.isEmpty() ? "limits unchanged" : String.join(", ", limits));
    if (after.closeDeniedOnReload()) {
      parts.add("closed " + closed + " established connection(s) the new allowlist refuses");
    }
    List<String> fixed = restartOnly(before, after);
    if (!fixed.isEmpty()) {
      parts.add(
          String.join(", ", fixed) + " changed: that takes a restart (`tailgate down`, `up`)");
    }
    return String.join("; ", parts);
  }

  /** Settings that differ but are fixed while tailgate runs (listeners, files, the daemon). */
  static List<String> restartOnly(TailgateConfig a, TailgateConfig b) {
    List<String> changed = new ArrayList<>();
    differs(changed, "listen", a.listen(), b.listen());
    differs(changed, "upstream", a.upstream(), b.upstream());
    differs(changed, "no-bootstrap", a.noBootstrap(), b.noBootstrap());
    differs(changed, "log-file", a.logFile(), b.logFile());
    differs(changed, "idle-timeout", a.idleTimeout(), b.idleTimeout());
    differs(changed, "auth-file", a.authFile(), b.authFile());
    differs(changed, "admin", a.admin(), b.admin());
    differs(changed, "tailscaled settings", a.daemon(), b.daemon());
    return changed;
  }

  private static void change(List<String> out, String key, int was, int now) {
    if (was != now) {
      out.add(key + " " + was + " -> " + now);
    }
  }

  private static void differs(List<String> out, String key, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      out.add(key);
    }
  }
}
