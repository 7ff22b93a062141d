#!/usr/bin/env bash
# Fuzzes the SOCKS5 and HTTP CONNECT handshakes and the rule parser with Jazzer, each for a bounded
# time (default 60 s), one JVM per target (Jazzer fuzzes one @FuzzTest per run), and prints what it
# found. A crashing input is saved next to the committed corpus under src/test/resources/.../
# *FuzzTestInputs/<method>/, where the normal build replays it from then on; commit it with the fix.
#
#   scripts/fuzz.sh [--seconds N]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="${2:?--seconds needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seconds takes whole seconds, got '$seconds'" >&2; exit 2; }

targets=(
  "dev.tailgate.relay.HandshakeFuzzTest#socks5"
  "dev.tailgate.relay.HandshakeFuzzTest#httpConnect"
  "dev.tailgate.policy.RuleFuzzTest#ruleAndTarget"
)

mvn -q test-compile -Dspotless.check.skip=true
failed=0
for target in "${targets[@]}"; do
  class="${target%%#*}"
  log="target/fuzz-${target##*.}.log"
  log="${log//#/-}"
  echo "== ${target}: fuzzing for ${seconds} s (log: ${log})"
  if JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${seconds}s" \
      mvn -q surefire:test -Dtest="${target}" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1; then
    result="no finding"
  else
    result="FINDING"
    failed=1
  fi
  out="target/surefire-reports/${class}-output.txt"
  runs="$(grep -ho 'Done [0-9]* runs in [0-9]* second(s)' "$log" "$out" 2>/dev/null | tail -1 || true)"
  cov="$(grep -ho 'cov: [0-9]* ft: [0-9]*' "$log" "$out" 2>/dev/null | tail -1 || true)"
  echo "   ${result}; ${runs:-no run summary}; ${cov:-no coverage line}"
  if [[ "$result" == FINDING ]]; then
    grep -hE 'FuzzTestFinding|Caused by|Crashing input|crash-|Test unit written' "$log" "$out" 2>/dev/null | head -20 | sed 's/^/   /'
  fi
done
exit "$failed"
