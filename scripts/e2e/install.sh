#!/usr/bin/env bash
# Installs what the end-to-end test on a real tailnet needs (src/test/java/dev/tailgate/e2e):
#   - tailscaled, tailscale and headscale at pinned versions, built from their Go modules with
#     `go install` into a cache ($TAILGATE_CACHE, default ~/.cache/tailgate) and rebuilt only when
#     the cached binary reports another version;
#   - from Debian's packages: OpenSSH's sshd and ssh, Chromium, iproute2 (ip netns), OpenBSD nc,
#     curl, Ansible (ansible-core).
# Without Go it says so in one line and exits 0: the e2e test then reports itself SKIPPED.
# Prints how long each build took. Idempotent.
set -euo pipefail

TAILSCALE_VERSION=v1.102.3
HEADSCALE_VERSION=v0.29.2
cache=${TAILGATE_CACHE:-$HOME/.cache/tailgate}
bin=$cache/bin

sudo=
[[ $(id -u) -eq 0 ]] || sudo=sudo

need=()
[[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v chromium >/dev/null || need+=(chromium)
command -v ip >/dev/null || need+=(iproute2)
{ command -v nc >/dev/null && nc -h 2>&1 | grep -q OpenBSD; } || need+=(netcat-openbsd)
command -v curl >/dev/null || need+=(curl)
command -v ansible-playbook >/dev/null || need+=(ansible-core)
if ((${#need[@]})); then
  echo "e2e/install: installing ${need[*]} from Debian's packages" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
  echo "e2e/install: Go is not installed: the end-to-end test on a real tailnet will be SKIPPED (needs Go >= 1.26.6)" >&2
  exit 0
fi

# The version a cached binary reports, or nothing.
version_of() {
  case $1 in
    tailscaled) "$bin/tailscaled" --version 2>/dev/null | head -1 ;;
    tailscale) "$bin/tailscale" version 2>/dev/null | head -1 ;;
    headscale) "$bin/headscale" version 2>/dev/null | grep -o 'v\?[0-9][0-9.]*' | head -1 ;;
  esac
}

build() { # name module version want
  local name=$1 module=$2 version=$3 want=${4#v}
  local have
  have=$(version_of "$name" || true)
  if [[ -n $have && ${have#v} == "$want"* ]]; then
    echo "e2e/install: $name $version cached in $bin" >&2
    return
  fi
  echo "e2e/install: building $name $version (go install $module@$version)..." >&2
  local start=$SECONDS
  # `go install MOD@VERSION` also reads the module's version list (to warn about a deprecation),
  # and the Go module proxy reachable here answers 403 to headscale's list while it serves the
  # pinned version itself. So: download the pinned version first, then let the module cache
  # answer (file:// proxy, the list then names the pinned version) before the usual proxies.
  # GOTOOLCHAIN=local: never fetch another toolchain.
  local modcache proxy
  modcache=$(go env GOMODCACHE)
  proxy=$(go env GOPROXY)
  GOTOOLCHAIN=local go mod download "${module%%/cmd/*}@$version"
  GOBIN=$bin GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOPROXY="file://$modcache/cache/download,$proxy" \
    go install "$module@$version"
  echo "e2e/install: built $name in $((SECONDS - start)) s" >&2
  have=$(version_of "$name" || true)
  if [[ ${have#v} != "$want"* ]]; then
    echo "e2e/install: $bin/$name reports '$have', expected $version" >&2
    exit 1
  fi
}

mkdir -p "$bin"
build tailscaled tailscale.com/cmd/tailscaled "$TAILSCALE_VERSION" "$TAILSCALE_VERSION"
build tailscale tailscale.com/cmd/tailscale "$TAILSCALE_VERSION" "$TAILSCALE_VERSION"
build headscale github.com/juanfont/headscale/cmd/headscale "$HEADSCALE_VERSION" "$HEADSCALE_VERSION"
