#!/usr/bin/env bash
# Start-up cost of `tailgate connect` as an ssh ProxyCommand: times `ssh HOST true` through
# `tailgate connect` and through OpenBSD `nc -X 5 -x` against the same relay, and straight to sshd
# for reference, interleaved run by run so that a busy machine slows all three alike.
#
#   scripts/bench-connect.sh [--runs N] [--warmup N] [--out FILE]
#
# Everything runs on loopback: a throwaway sshd (its own host key, a throwaway user key, no PAM)
# on a free port, and `tailgate up --no-bootstrap --upstream direct --allow 127.0.0.1:SSHD_PORT`.
# The connect ProxyCommand is scripts/tailgate, the launcher users run (with its CDS archive).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runs=30
warmup=3
out="$root/docs/connect-latest.txt"
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--warmup N] [--out FILE]" >&2; exit 2 ;;
  esac
done

for tool in ssh ssh-keygen nc python3; do
  command -v "$tool" >/dev/null || { echo "bench-connect: $tool is missing (scripts/install-test-deps.sh installs it)" >&2; exit 1; }
done
[[ -x /usr/sbin/sshd ]] || { echo "bench-connect: /usr/sbin/sshd is missing (Debian openssh-server)" >&2; exit 1; }
nc -h 2>&1 | grep -q OpenBSD || { echo "bench-connect: nc is not OpenBSD netcat" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 200); do
    if nc -z 127.0.0.1 "$1" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "bench-connect: nothing listens on $1" >&2; exit 1
}

"$root/scripts/tailgate" --version >/dev/null   # builds the jar and the CDS archive if needed

ssh-keygen -q -t ed25519 -N '' -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/user_key"
cp "$tmp/user_key.pub" "$tmp/authorized_keys"
[[ $(id -u) -eq 0 ]] && mkdir -p /run/sshd
sshd_port=$(free_port)
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
CONF
/usr/sbin/sshd -D -e -f "$tmp/sshd_config" -p "$sshd_port" 2>"$tmp/sshd.log" &
pids+=($!)
relay_port=$(free_port)
"$root/scripts/tailgate" up --no-bootstrap --upstream direct --listen "127.0.0.1:$relay_port" \
  --allow "127.0.0.1:$sshd_port" --log-file "$tmp/connections.log" 2>"$tmp/relay.log" &
pids+=($!)
wait_port "$sshd_port"
wait_port "$relay_port"

ssh_base=(ssh -F /dev/null -i "$tmp/user_key" -o IdentitiesOnly=yes -o IdentityAgent=none
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR
  -o ControlMaster=no -p "$sshd_port" -l "$(id -un)")
declare -A proxy=(
  [connect]="$root/scripts/tailgate connect --proxy 127.0.0.1:$relay_port %h %p"
  [nc]="nc -X 5 -x 127.0.0.1:$relay_port %h %p"
  [direct]=""
)
names=(connect nc direct)

one() {  # prints the wall time of one `ssh 127.0.0.1 true` in microseconds
  local args=("${ssh_base[@]}")
  [[ -n "${proxy[$1]}" ]] && args+=(-o "ProxyCommand=${proxy[$1]}")
  local t0 t1
  t0=$(date +%s%N)
  "${args[@]}" 127.0.0.1 true </dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000))
}

for _ in $(seq "$warmup"); do for n in "${names[@]}"; do one "$n" >/dev/null; done; done
for n in "${names[@]}"; do : >"$tmp/$n.us"; done
for i in $(seq "$runs"); do
  # Rotate the order each run, so no variant always goes first.
  for k in 0 1 2; do
    n=${names[$(((i + k) % 3))]}
    one "$n" >>"$tmp/$n.us"
  done
  printf '.' >&2
done
echo >&2

ok=$(grep -c '"result":"ok"' "$tmp/connections.log" || true)
{
  echo "# ssh 127.0.0.1 true, $runs runs each after $warmup warm-up, interleaved ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo "# $(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1); $(ssh -V 2>&1)"
  echo "# connect: ${proxy[connect]}"
  echo "# nc:      ${proxy[nc]}"
  echo "# direct:  no ProxyCommand (reference)"
  echo "# relay connections logged ok: $ok"
  python3 - "$tmp" "${names[@]}" <<'PY'
import statistics, sys
d, names = sys.argv[1], sys.argv[2:]
data = {n: sorted(int(x) / 1000 for x in open(f"{d}/{n}.us")) for n in names}
def p(v, q):
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
print(f"{'variant':8} {'median ms':>10} {'p90 ms':>8} {'mean ms':>8} {'min ms':>8} {'max ms':>8}")
for n in names:
    v = data[n]
    print(f"{n:8} {statistics.median(v):10.1f} {p(v, .9):8.1f} {statistics.mean(v):8.1f} {v[0]:8.1f} {v[-1]:8.1f}")
m = {n: statistics.median(data[n]) for n in names}
q = {n: p(data[n], .9) for n in names}
ratio, ratio90 = m["connect"] / m["nc"], q["connect"] / q["nc"]
print(f"connect / nc: median {ratio:.2f}x, p90 {ratio90:.2f}x (target: within 1.25x): "
      + ("met" if ratio <= 1.25 else "MISSED"))
print(f"connect - nc: median +{m['connect'] - m['nc']:.1f} ms per ssh connection")
PY
} | tee "$out"
