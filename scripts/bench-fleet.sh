#!/usr/bin/env bash
# A fleet-sized Ansible run through tailgate: HOSTS hosts, each its own sshd on a loopback port,
# `ansible -m ping` and a 5-task playbook at forks 10 and 50, with the ProxyCommand
# `tailgate connect` against OpenBSD `nc -X 5 -x` through the same relay and against ssh with no
# proxy, interleaved round by round so that a busy machine slows all three alike.
#
# usage: scripts/bench-fleet.sh [--hosts N] [--rounds N] [--out FILE]
#
# ssh runs with the settings `tailgate ansible` generates: ControlMaster auto, ControlPersist,
# ControlPath %C, pipelining, strict host key checking against a known_hosts of every sshd.
# Each run gets its own ControlPath directory, and its masters are closed after it (so every run
# starts one ProxyCommand per host, as a first play does). CPU is the run's whole process tree
# (ansible, ssh, masters, ProxyCommands: a cpuacct cgroup, so daemonized masters count) plus the
# relay's; sshd's is left out (the targets' side, alike for all three). The relay is
# `tailgate up --no-bootstrap --upstream direct`; connect is scripts/tailgate, with its CDS archive.
set -euo pipefail

bench_name=bench-fleet
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bench-lib.sh

hosts=50
rounds=2
out=docs/fleet-latest.txt
parse_options "--hosts=hosts --rounds=rounds --out=out" "$@"
[[ $hosts =~ ^[1-9][0-9]{0,2}$ ]] || die "--hosts wants a whole number from 1 to 999"
[[ $rounds =~ ^[1-9][0-9]?$ ]] || die "--rounds wants a whole number from 1 to 99"

need java openjdk-17-jdk-headless
need ssh openssh-client
need ssh-keygen openssh-client
need sshd openssh-server
need nc netcat-openbsd
need python3 python3
install_missing
nc -h 2>&1 | grep -q OpenBSD || die "nc is not OpenBSD netcat"
ansible_bin=$(scripts/install-ansible.sh)
root=$PWD
tmp=$work

cgroup=
before_cleanup() { # the ssh masters a failed run left, and the cgroup (empty once they are gone)
  close_masters "$tmp"/cp-*
  if [[ -n $cgroup && -d $cgroup ]]; then rmdir "$cgroup" 2>/dev/null || true; fi
}
close_masters() { # DIR...: asks every ssh master whose socket is there to exit
  local d s
  for d in "$@"; do
    for s in "$d"/*; do
      if [[ -S $s ]]; then ssh -o ControlPath="$s" -O exit x 2>/dev/null || true; fi
    done
  done
}

scripts/tailgate --version >/dev/null   # builds the jar and the CDS archives if needed

ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/user_key"
cp "$tmp/user_key.pub" "$tmp/authorized_keys"
[[ $(id -u) -eq 0 ]] && mkdir -p /run/sshd
cat >"$tmp/sshd_config" <<CONF
ListenAddress 127.0.0.1
HostKey $tmp/host_key
AuthorizedKeysFile $tmp/authorized_keys
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
LogLevel ERROR
CONF
echo "[fleet]" >"$tmp/hosts.ini"
: >"$tmp/known_hosts"
key=$(cut -d' ' -f1-2 "$tmp/host_key.pub")
ports=()
sshd_pids=()
for i in $(seq -w 1 "$hosts"); do
  port=$(free_port)
  /usr/sbin/sshd -D -e -f "$tmp/sshd_config" -p "$port" 2>>"$tmp/sshd.log" &
  pids+=($!)
  sshd_pids+=($!)
  ports+=("$port")
  echo "h$i ansible_host=127.0.0.1 ansible_port=$port" >>"$tmp/hosts.ini"
  echo "[127.0.0.1]:$port $key" >>"$tmp/known_hosts"
done
relay_port=$(free_port)
start_tailgate "$relay_port"
relay_pid=$tailgate_pid
for k in "${!ports[@]}"; do wait_ready sshd "${sshd_pids[k]}" "${ports[k]}" "$tmp/sshd.log"; done
wait_ready tailgate "$relay_pid" "$relay_port" "$tmp/tailgate.err" "relay on"

# The settings of a generated ansible.cfg, with this run's inventory.
cat >"$tmp/ansible.cfg" <<CFG
[defaults]
inventory = $tmp/hosts.ini
host_key_checking = True
interpreter_python = /usr/bin/python3
private_key_file = $tmp/user_key
remote_user = $(id -un)
[ssh_connection]
ssh_args = -C -o ControlMaster=auto -o ControlPersist=10m -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes
control_path = %(directory)s/%%C
pipelining = True
retries = 3
CFG
cat >"$tmp/play.yml" <<PLAY
- hosts: fleet
  gather_facts: false
  tasks:
    - ansible.builtin.ping:
    - ansible.builtin.command: /bin/true
    - ansible.builtin.copy: {content: "{{ inventory_hostname }}\n", dest: "$tmp/out/{{ inventory_hostname }}"}
    - ansible.builtin.stat: {path: "$tmp/out/{{ inventory_hostname }}"}
    - ansible.builtin.file: {path: "$tmp/out/{{ inventory_hostname }}", state: absent}
PLAY
mkdir -p "$tmp/out"

# Each variant's ansible_ssh_common_args, as group_vars would hold it, in a vars file.
known="-o UserKnownHostsFile=$tmp/known_hosts -o StrictHostKeyChecking=yes"
vars() { python3 -c 'import json, sys; print(json.dumps({"ansible_ssh_common_args": sys.argv[1]}))' "$1"; }
vars "-o ProxyCommand=\"$root/scripts/tailgate connect --proxy 127.0.0.1:$relay_port %h %p\" $known" >"$tmp/vars-connect.json"
vars "-o ProxyCommand=\"nc -X 5 -x 127.0.0.1:$relay_port %h %p\" $known" >"$tmp/vars-nc.json"
vars "$known" >"$tmp/vars-direct.json"
names=(connect nc direct)

if mkdir "/sys/fs/cgroup/cpuacct/tailgate-fleet-$$" 2>/dev/null; then
  cgroup=/sys/fs/cgroup/cpuacct/tailgate-fleet-$$
fi
ticks=$(getconf CLK_TCK)
relay_cpu() { awk '{print $14 + $15}' "/proc/$relay_pid/stat"; }

run=0
one() { # VARIANT FORKS WORKLOAD: appends "variant forks workload wall_ms cpu_ms failed" to results
  local variant=$1 forks=$2 workload=$3 cmd t0 t1 cpu0 cpu1 r0 r1 rc=0
  run=$((run + 1))
  local cp="$tmp/cp-$run"
  mkdir -p "$cp"
  if [[ $workload == ping ]]; then
    cmd=("$ansible_bin/ansible" fleet -m ansible.builtin.ping)
  else
    cmd=("$ansible_bin/ansible-playbook" "$tmp/play.yml")
  fi
  cpu0=0; [[ -n $cgroup ]] && cpu0=$(cat "$cgroup/cpuacct.usage")
  r0=$(relay_cpu)
  t0=$(date +%s%N)
  ANSIBLE_CONFIG="$tmp/ansible.cfg" ANSIBLE_SSH_CONTROL_PATH_DIR="$cp" ANSIBLE_FORKS="$forks" \
    ANSIBLE_HOME="$tmp/ansible-home" ANSIBLE_LOCAL_TEMP="$tmp/ansible-tmp" \
    sh -c 'if [ -n "$1" ]; then echo $$ >"$1/cgroup.procs"; fi; shift; exec "$@"' sh "$cgroup" \
    "${cmd[@]}" -e "@$tmp/vars-$variant.json" >"$tmp/last.out" 2>&1 || rc=$?
  t1=$(date +%s%N)
  close_masters "$cp"
  sleep 0.3 # the masters and their ProxyCommands exit
  cpu1=0; [[ -n $cgroup ]] && cpu1=$(cat "$cgroup/cpuacct.usage")
  r1=$(relay_cpu)
  local failed
  failed=$(grep -cE 'UNREACHABLE|FAILED' "$tmp/last.out" || true)
  if ((rc != 0)); then
    cp "$tmp/last.out" "$tmp/failed-$run.out"
    echo "bench-fleet: $variant forks $forks $workload exited $rc:" >&2
    tail -5 "$tmp/last.out" >&2
  fi
  echo "$variant $forks $workload $(((t1 - t0) / 1000000)) $(((cpu1 - cpu0) / 1000000 + (r1 - r0) * 1000 / ticks)) $failed" >>"$tmp/results"
}

: >"$tmp/results"
one connect 10 ping # warm-up: the page cache, the CDS archive, Ansible's own start
one nc 10 ping
one direct 10 ping
: >"$tmp/results"
for r in $(seq "$rounds"); do
  for forks in 10 50; do
    for workload in ping play; do
      # Rotate the order each round, so no variant always goes first.
      for k in 0 1 2; do
        one "${names[$(((r + k) % 3))]}" "$forks" "$workload"
        printf '.' >&2
      done
    done
  done
done
echo >&2

ok=$(grep -c '"result":"ok"' "$tmp/tailgate-connections.log" || true)
{
  echo "# $hosts hosts (one sshd each on loopback), $rounds rounds, interleaved ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo "# $(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1); $(ssh -V 2>&1); $("$ansible_bin/ansible" --version | sed -n 1p)"
  echo "# ping: ansible fleet -m ping; play: 5 tasks (ping, command, copy, stat, file), no facts"
  echo "# connect: ProxyCommand scripts/tailgate connect --proxy RELAY %h %p; nc: nc -X 5 -x RELAY %h %p; direct: no ProxyCommand"
  if [[ -n $cgroup ]]; then counted="a cpuacct cgroup"; else counted="NO cgroup available: only the relay counted"; fi
  echo "# CPU per host: the run's process tree ($counted) plus the relay's"
  echo "# relay connections logged ok: $ok"
  python3 - "$tmp/results" "$hosts" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
hosts = int(sys.argv[2])
data = {}
for v, f, w, wall, cpu, failed in rows:
    data.setdefault((w, int(f), v), []).append((int(wall), int(cpu), int(failed)))
print(f"{'workload':8} {'forks':>5} {'variant':8} {'wall s (median)':>15} {'CPU ms/host':>11} {'failed':>6}")
for (w, f, v) in sorted(data, key=lambda k: (k[0], k[1], ["connect", "nc", "direct"].index(k[2]))):
    d = data[(w, f, v)]
    wall = statistics.median(x[0] for x in d) / 1000
    cpu = statistics.median(x[1] for x in d) / hosts
    print(f"{w:8} {f:5} {v:8} {wall:15.2f} {cpu:11.0f} {sum(x[2] for x in d):6}")
for w in ("ping", "play"):
    for f in (10, 50):
        c = statistics.median(x[0] for x in data[(w, f, "connect")])
        n = statistics.median(x[0] for x in data[(w, f, "nc")])
        target = (" (target: within 1.1x): " + ("met" if c <= 1.1 * n else "MISSED")) if f == 50 else ""
        print(f"{w} forks {f}: connect / nc wall {c / n:.2f}x, +{(c - n) / 1000:.2f} s{target}")
PY
} | tee "$out"
