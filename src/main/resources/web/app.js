// tailgate status page: polls /api/status and renders it with textContent only (no HTML from data).
"use strict";

const REFRESH_MS = 2000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function rows(tbodyId, items, cells, empty) {
  const body = document.getElementById(tbodyId);
  body.replaceChildren();
  if (!items || items.length === 0) {
    const tr = el("tr");
    const td = el("td", empty, "muted");
    td.colSpan = 9;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const item of items) {
    const tr = el("tr");
    for (const c of cells(item)) tr.append(typeof c === "object" && c !== null ? c : el("td", c));
    body.append(tr);
  }
}

function pairs(dlId, entries) {
  const dl = document.getElementById(dlId);
  dl.replaceChildren();
  for (const [k, v] of entries) {
    dl.append(el("dt", k), el("dd", v === undefined || v === null || v === "" ? "—" : v));
  }
}

function bytes(n) {
  if (n < 1024) return n + " B";
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = -1;
  do { v /= 1024; u++; } while (v >= 1024 && u < units.length - 1);
  return v.toFixed(1) + " " + units[u];
}

function age(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}

function render(s) {
  const health = document.getElementById("health");
  const d = s.daemon || { managed: false };
  const ok = s.relay.listening && (!d.managed || d.phase === "running");
  health.textContent = ok ? "healthy" : "unhealthy";
  health.className = "badge " + (ok ? "ok" : "bad");
  document.getElementById("updated").textContent = "updated " + new Date(s.generated).toLocaleTimeString();

  pairs("relay", [
    ["address", s.relay.address],
    ["upstream", s.relay.upstream],
    ["allow rules", s.relay.allow_rules.length ? s.relay.allow_rules.join("  ") : "none: every target is refused"],
    ["last reload", s.relay.last_reload
      ? new Date(s.relay.last_reload.at).toLocaleTimeString() + " (" + s.relay.last_reload.trigger + ") "
        + (s.relay.last_reload.ok ? "" : "rejected: ") + s.relay.last_reload.message
      : "none since start"],
  ]);
  pairs("daemon", d.managed ? [
    ["phase", d.phase],
    ["backend state", d.backend_state],
    ["pid", d.pid > 0 ? d.pid : "unknown"],
    ["restarts", d.restarts],
    ["last failure", d.last_failure || "none"],
    ["MagicDNS suffix", d.magic_dns_suffix],
  ] : [["managed", "no (--no-bootstrap)"]]);
  rows("history", d.history, t => [new Date(t.at).toLocaleTimeString(), t.phase, t.note], "no changes yet");

  const c = s.connections;
  document.getElementById("conn-count").textContent =
    "(" + c.open + " open" + (c.shown.length < c.open ? ", oldest " + c.shown.length + " shown" : "") + ", " + c.total + " since start)";
  rows("connections", c.shown, x => [x.client_tag ? x.client + " " + x.client_tag : x.client, who(x), x.proto || "—", x.target || "—", x.phase, bytes(x.bytes_up), bytes(x.bytes_down), age(x.age_ms)], "no open connections");
  rows("targets", c.by_target, t => [t.target, t.count], "—");
  rows("refusals", s.refusals, r => [new Date(r.ts).toLocaleTimeString(), r.client, r.proto || "—", r.target || "—", r.rule || "no rule matched", r.reason], "none");
  rows("peers", s.peers, p => [p.name, p.ips.join(", "), p.os, p.online ? "yes" : "no", p.tags.join(", "),
    ssh(p),
    el("td", p.admitted_by || "no rule", p.admitted_by ? "ok-text" : "bad-text")],
    d.managed ? "no peers" : "not known without tailscaled");
}

/** The ssh cell: allowed to anyone, to the uids that `from uid` rules name, or refused. */
function ssh(p) {
  if (p.ssh_allowed) return el("td", "allowed by " + p.rule, "ok-text");
  const uids = p.ssh_uids || [];
  if (uids.length) return el("td", "uid " + uids.join(", ") + " only, by " + p.rule, "ok-text");
  return el("td", "refused", "bad-text");
}

/** A loopback client's local user and command, when the relay found them. */
function who(x) {
  if (x.client_uid === null || x.client_uid === undefined) return "—";
  return "uid " + x.client_uid + (x.client_cmd ? " " + x.client_cmd : "");
}

async function refresh() {
  try {
    const r = await fetch("/api/status", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
  } catch (e) {
    const health = document.getElementById("health");
    health.textContent = "tailgate is not answering";
    health.className = "badge bad";
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
