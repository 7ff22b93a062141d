#!/usr/bin/env bash
# Starts tailgate at container start (the devcontainer's postStartCommand) without making the start
# wait: `tailgate up --detach` runs in the background in a session of its own, then, once the relay
# is ready, `tailgate ansible` writes the Ansible configuration. Running it again while tailgate is
# up says so and changes nothing. Settings come from tailgate.yaml in the workspace, overridden by
# the TAILGATE_* environment variables in docs/operations.md.
#
# With --foreground (the sidecar image's entry point, under tini) it becomes `tailgate up` itself,
# in the foreground, so that the container's stop signal reaches it.
set -euo pipefail

foreground=false
if [[ ${1:-} == --foreground ]]; then
  foreground=true
fi

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
workspace=${TAILGATE_WORKSPACE:-$PWD}
config=${TAILGATE_CONFIG:-$workspace/tailgate.yaml}
state_home=${XDG_STATE_HOME:-$HOME/.local/state}/tailgate
log=$state_home/start.log

# The command that runs tailgate; tests point it at their classes.
if [[ -n ${TAILGATE_CMD:-} ]]; then
  read -r -a tailgate <<<"$TAILGATE_CMD"
else
  tailgate=("$root/scripts/tailgate")
fi

if [[ $foreground == false ]] && "${tailgate[@]}" status >/dev/null 2>&1; then
  echo "tailgate: already up; \`tailgate status\` shows it"
  exit 0
fi

args=(up)
[[ $foreground == true ]] || args+=(--detach)
[[ -f $config ]] && args+=(--config "$config")
# A literal key is passed by name (env:), never in argv; anything else is a source spec.
if [[ -n ${TAILGATE_AUTH_KEY:-} ]]; then
  case $TAILGATE_AUTH_KEY in
    env:* | file:* | bw:* | bws:*) args+=(--auth-key "$TAILGATE_AUTH_KEY") ;;
    *) args+=(--auth-key env:TAILGATE_AUTH_KEY) ;;
  esac
fi
[[ -n ${TAILGATE_LOGIN_SERVER:-} ]] && args+=(--login-server "$TAILGATE_LOGIN_SERVER")
[[ -n ${TAILGATE_HOSTNAME:-} ]] && args+=(--hostname "$TAILGATE_HOSTNAME")
[[ -n ${TAILGATE_LISTEN:-} ]] && args+=(--listen "$TAILGATE_LISTEN")
[[ -n ${TAILGATE_ADMIN:-} ]] && args+=(--admin "$TAILGATE_ADMIN")
[[ -n ${TAILGATE_AUTH_FILE:-} ]] && args+=(--auth-file "$TAILGATE_AUTH_FILE")
[[ -n ${TAILGATE_UPSTREAM:-} ]] && args+=(--upstream "$TAILGATE_UPSTREAM")
[[ ${TAILGATE_NO_BOOTSTRAP:-} == 1 ]] && args+=(--no-bootstrap)
[[ -n ${TAILGATE_STATE_DIR:-} ]] && args+=(--state-dir "$TAILGATE_STATE_DIR")
[[ -n ${TAILGATE_SOCKET:-} ]] && args+=(--socket "$TAILGATE_SOCKET")
[[ -n ${TAILGATE_LOG_FILE:-} ]] && args+=(--log-file "$TAILGATE_LOG_FILE")
[[ -n ${TAILGATE_TAILSCALED:-} ]] && args+=(--tailscaled "$TAILGATE_TAILSCALED")
[[ -n ${TAILGATE_TAILSCALE:-} ]] && args+=(--tailscale "$TAILGATE_TAILSCALE")
# Rules are separated by white space (a rule's ports use commas); read keeps '*' from globbing.
read -r -a rules <<<"${TAILGATE_ALLOW:-}"
for rule in "${rules[@]}"; do
  args+=(--allow "$rule")
done

if [[ $foreground == true ]]; then
  exec "${tailgate[@]}" "${args[@]}"
fi

ansible=(ansible)
[[ -f $config ]] && ansible+=(--config "$config")

# Waits for the relay (up --detach returns once it is ready), then writes the Ansible files if this
# build has `tailgate ansible`.
bring_up() {
  echo "--- $(date -u +%FT%TZ) scripts/start.sh"
  "${tailgate[@]}" "${args[@]}" || return
  if "${tailgate[@]}" ansible --help >/dev/null 2>&1; then
    "${tailgate[@]}" "${ansible[@]}"
  fi
}

mkdir -p "$state_home" && chmod 700 "$state_home"
umask 077
# A session of its own: the container start hook returns at once and may end its process group.
setsid -f bash -c "$(declare -p tailgate args ansible); $(declare -f bring_up); bring_up" \
  </dev/null >>"$log" 2>&1
echo "tailgate: starting in the background; \`tailgate status\` shows when it is up (log: $log)"
