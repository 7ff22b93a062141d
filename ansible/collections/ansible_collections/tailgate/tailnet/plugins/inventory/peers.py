# -*- coding: utf-8 -*-
# The tailgate.tailnet.peers inventory plugin: the tailnet's peers, read from the local tailscaled.
from __future__ import annotations

DOCUMENTATION = r"""
name: peers
short_description: The tailnet's peers, from the local tailscaled's LocalAPI (no API key)
description:
  - One host per peer of the tailnet, named by its MagicDNS name without the trailing dot, read from
    C(GET /localapi/v0/status) on tailscaled's unix socket. No API key, no network and no JVM,
    only one HTTP request to the local daemon, which already knows the tailnet.
  - Host vars C(ansible_host) (the MagicDNS name), C(tailscale_hostname), C(tailscale_ips),
    C(tailscale_os), C(tailscale_online), C(tailscale_tags) and C(tailscale_last_seen) (RFC 3339, null
    while the peer is connected or never seen).
  - Groups C(tailnet) (every peer), C(online), C(offline), C(os_<os>) and C(tag_<tag>) (C(tag:web) is
    C(tag_web)), as C(tailgate inventory) and the script inventory/tailnet make them. This node itself
    and peers without a MagicDNS name are not listed.
  - The configuration file's name must end in C(tailnet.yml) or C(tailnet.yaml); C(tailgate ansible)
    writes one.
  - Peers that tailgate's allowlist refuses are not left out here (the plugin does not read
    tailgate's settings); C(tailgate inventory --config FILE) does that.
author:
  - tailgate maintainers
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description: This plugin's name, so that Ansible picks it for the file.
    required: true
    choices: ['tailgate.tailnet.peers']
  socket:
    description:
      - tailscaled's LocalAPI socket.
      - When absent, the socket of the running C(tailgate up), from its run-state file
        (C($TAILGATE_RUN_DIR/status.json), else C($XDG_STATE_HOME/tailgate/run/status.json), else
        C(~/.local/state/tailgate/run/status.json)), else C(/var/run/tailscale/tailscaled.sock).
    type: path
  offline:
    description:
      - What to do with peers that are not connected to the tailnet now.
      - C(keep) lists them with C(tailscale_online=false) in the group C(offline); C(skip) leaves
        them out, so that a play does not wait on hosts that cannot answer.
    type: str
    choices: ['keep', 'skip']
    default: keep
  timeout:
    description: Seconds to wait for tailscaled's answer.
    type: float
    default: 5
  known_hosts:
    description:
      - When set, this file is rewritten with the host keys that peers advertise (C(sshHostKeys),
        sent by peers that run Tailscale SSH), for their MagicDNS names and tailnet addresses, in
        the format and order of the known_hosts that C(tailgate ansible) writes (its managed block;
        lines outside it are kept). Relative to the configuration file's directory. A run from the
        cache does not rewrite it.
    type: str
"""

EXAMPLES = r"""
# tailnet.yml: every peer, grouped by tag, OS and online state
plugin: tailgate.tailnet.peers

# prod.tailnet.yml: only connected peers, keyed groups by tag and a composed variable, cached 5 min
plugin: tailgate.tailnet.peers
socket: /run/tailgate/tailscaled.sock
offline: skip
keyed_groups:
  - key: tailscale_tags
    prefix: role
compose:
  first_ip: tailscale_ips[0]
groups:
  linux_web: "'tag:web' in tailscale_tags and tailscale_os == 'linux'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-tailnet
cache_timeout: 300
"""

import http.client
import json
import os
import re
import socket as socketlib
import tempfile

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

DEFAULT_SOCKET = "/var/run/tailscale/tailscaled.sock"
# tailscaled's LocalAPI refuses any other Host (ipn/localapi: a guard against DNS rebinding).
LOCALAPI_HOST = "local-tailscaled.sock"
# A status of 10,000 peers is a few MiB; more than this is not a status.
MAX_STATUS_BYTES = 32 * 1024 * 1024
ZERO_TIME = "0001-01-01T00:00:00Z"
ALWAYS = ("tailnet", "online", "offline")
# What tailgate's KnownHosts writes, and nothing else: a key type and its base64 (a comment is
# dropped), so that no peer can smuggle a second line or a marker such as @cert-authority in.
KEY = re.compile(r"([a-z][a-z0-9.@-]{0,63} [A-Za-z0-9+/]+={0,2})(?: [^\r\n]*)?")
NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,252}")
ADDRESS = re.compile(r"[0-9a-f.:]{2,45}")
MAX_KEY = 16 * 1024


def run_state_file(env=None):
    """The run-state file `tailgate up` writes: the same rule as tailgate's RunState."""
    env = os.environ if env is None else env
    if env.get("TAILGATE_RUN_DIR", "").strip():
        return os.path.join(env["TAILGATE_RUN_DIR"], "status.json")
    base = env.get("XDG_STATE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "tailgate", "run", "status.json")


def default_socket(env=None):
    """The running tailgate's socket, if its run-state file names one and its pid lives; else the default."""
    try:
        with open(run_state_file(env), "rb") as f:
            state = json.loads(f.read(1024 * 1024))
        os.kill(int(state["pid"]), 0)
        if state.get("socket"):
            return state["socket"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return DEFAULT_SOCKET


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 on a unix socket, with the Host tailscaled's LocalAPI expects."""

    def __init__(self, path, timeout):
        super().__init__(LOCALAPI_HOST, timeout=timeout)
        self._path = path

    def connect(self):
        sock = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def fetch_status(path, timeout):
    """tailscaled's status (ipnstate.Status) as a dict, or AnsibleParserError saying why not."""
    if not os.path.exists(path):
        raise AnsibleParserError(f"no tailscaled LocalAPI socket at {path} (is tailscaled running? set socket:)")
    conn = _UnixHTTPConnection(path, timeout)
    try:
        conn.request("GET", "/localapi/v0/status")
        resp = conn.getresponse()
        body = resp.read(MAX_STATUS_BYTES + 1)
    except (OSError, http.client.HTTPException) as e:
        raise AnsibleParserError(f"tailscaled on {path} did not answer: {e}") from e
    finally:
        conn.close()
    if resp.status != 200:
        text = body[:200].decode("utf-8", "replace").strip()
        raise AnsibleParserError(f"tailscaled on {path}: HTTP {resp.status}: {text}")
    if len(body) > MAX_STATUS_BYTES:
        raise AnsibleParserError(f"tailscaled on {path}: status larger than {MAX_STATUS_BYTES} bytes")
    try:
        status = json.loads(body)
    except ValueError as e:
        raise AnsibleParserError(f"tailscaled on {path}: status is not JSON: {e}") from e
    if not isinstance(status, dict):
        raise AnsibleParserError(f"tailscaled on {path}: status is not a JSON object")
    if status.get("BackendState") != "Running":
        raise AnsibleParserError(
            f"tailscaled on {path} is {status.get('BackendState') or 'not ready'}, not Running: no tailnet to list"
        )
    return status


def peers_of(status):
    """The peers as the inventory needs them, sorted by name: small, plain data for the cache."""
    peers = []
    for p in (status.get("Peer") or {}).values():
        name = (p.get("DNSName") or "").rstrip(".").lower()
        if not name:
            continue
        last_seen = p.get("LastSeen")
        peers.append(
            {
                "name": name,
                "hostname": p.get("HostName") or "",
                "ips": list(p.get("TailscaleIPs") or []),
                "os": p.get("OS") or "",
                "online": bool(p.get("Online", False)),
                "tags": list(p.get("Tags") or []),
                "last_seen": None if not last_seen or last_seen == ZERO_TIME else last_seen,
                "ssh_host_keys": pinnable_keys(p.get("sshHostKeys") or []),
            }
        )
    return sorted(peers, key=lambda p: p["name"])


def pinnable_keys(keys):
    """The keys fit for known_hosts, "TYPE BASE64" each; anything else is left out."""
    out = []
    for key in keys:
        m = KEY.fullmatch(key.strip()) if isinstance(key, str) and len(key) <= MAX_KEY else None
        if m:
            out.append(m.group(1))
    return out


def group_name(text):
    """A valid Ansible group name: lower case, anything but letters, digits and _ as _ (as tailgate's)."""
    return re.sub(r"[^a-z0-9_]", "_", text.lower()) or "_"


def groups_of(peer):
    groups = ["tailnet", "online" if peer["online"] else "offline"]
    if peer["os"]:
        groups.append("os_" + group_name(peer["os"]))
    for tag in peer["tags"]:
        groups.append("tag_" + group_name(tag[4:] if tag.startswith("tag:") else tag))
    return groups


def host_vars_of(peer):
    return {
        "ansible_host": peer["name"],
        "tailscale_hostname": peer["hostname"],
        "tailscale_ips": peer["ips"],
        "tailscale_os": peer["os"],
        "tailscale_online": peer["online"],
        "tailscale_tags": peer["tags"],
        "tailscale_last_seen": peer["last_seen"],
    }


def known_hosts_text(peers):
    """One line per advertised key: the peer's name and addresses, then the key ("TYPE BASE64")."""
    lines = []
    for p in peers:
        if not NAME.fullmatch(p["name"]):
            continue
        hosts = [p["name"]] + [ip.lower() for ip in p["ips"] if ADDRESS.fullmatch(ip.lower())]
        for key in p["ssh_host_keys"]:
            lines.append(",".join(hosts) + " " + key + "\n")
    return "".join(lines)


# The known_hosts file as tailgate's KnownHosts writes it (a test holds the two equal): a header,
# then the managed block; lines outside the block are the user's and are kept.
KNOWN_HOSTS_HEADER = (
    "# The SSH host keys that the tailnet's peers advertise (Tailscale SSH peers do),\n"
    "# from tailscaled's LocalAPI, for their MagicDNS names and tailnet addresses.\n"
    "# The generated ssh_config and group_vars make ssh check hosts against this\n"
    "# file. If ssh refuses a host whose key changed on purpose, run\n"
    "# `tailgate ansible` again: it rewrites the block from the tailnet's record.\n"
    "# Written by `tailgate ansible`: a rerun rewrites only the lines between the\n"
    "# BEGIN/END tailgate managed markers; everything else here is yours and is kept.\n"
    "# Keys of peers that advertise none can go after the block.\n"
)
BEGIN = "# BEGIN tailgate managed\n"
END = "# END tailgate managed\n"
MANAGED = re.compile(r"^# BEGIN tailgate managed\n.*?^# END tailgate managed(?:\n|\Z)", re.M | re.S)


def merged_known_hosts(existing, lines):
    """The file with its block replaced by `lines`: a new file whole, else the user's lines kept."""
    block = BEGIN + lines + END
    if existing is None:
        return KNOWN_HOSTS_HEADER + block
    m = MANAGED.search(existing)
    if not m:
        return existing + ("\n" if existing and not existing.endswith("\n") else "") + block
    return existing[: m.start()] + block + existing[m.end() :]


def write_known_hosts(path, lines):
    try:
        with open(path, encoding="utf-8") as f:
            existing = f.read()
    except FileNotFoundError:
        existing = None
    text = merged_known_hosts(existing, lines)
    if text == existing:
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tailgate-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "tailgate.tailnet.peers"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("tailnet.yml", "tailnet.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        peers = None
        if use_cache:
            try:
                peers = self._cache[key]
            except KeyError:
                update_cache = True
        if peers is None:
            peers = peers_of(fetch_status(self.get_option("socket") or default_socket(), self.get_option("timeout")))
            known_hosts = self.get_option("known_hosts")
            if known_hosts:
                known_hosts = os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(known_hosts))
                write_known_hosts(known_hosts, known_hosts_text(peers))
        if update_cache:
            self._cache[key] = peers
        self._populate(peers)

    def _populate(self, peers):
        for group in ALWAYS:
            self.inventory.add_group(group)
        strict = self.get_option("strict")
        keep_offline = self.get_option("offline") == "keep"
        for peer in peers:
            if not peer["online"] and not keep_offline:
                continue
            host = peer["name"]
            for group in groups_of(peer):
                self.inventory.add_group(group)
                self.inventory.add_host(host, group=group)
            for var, value in host_vars_of(peer).items():
                self.inventory.set_variable(host, var, value)
            hostvars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
