#!/usr/bin/env bash
# The devcontainer's main process, under tini (PID 1, which reaps what tailgate leaves): waits
# until the container is stopped, then stops tailgate and the tailscaled it started (`tailgate
# down`: TERM, so that both flush their logs) before the container ends, well within podman's and
# Docker's 10 s stop timeout. scripts/start.sh (the postStartCommand) starts them.
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

stop() {
  "$root/scripts/tailgate" down || true
  exit 0
}
trap stop TERM INT
sleep infinity &
wait $!
