#!/usr/bin/env bash
# Makes tailscaled and tailscale available for `tailgate up`, in this order: the ones already on
# PATH; the distribution's package (apt); `go install` of the pinned version into
# ~/.cache/tailgate/bin (override with TAILGATE_BIN). Prints where they are.
#
# usage: scripts/install-tailscale.sh
set -euo pipefail

readonly VERSION=v1.102.3 # needs Go >= 1.26.6
bin=${TAILGATE_BIN:-$HOME/.cache/tailgate/bin}

say() { echo "install-tailscale: $*" >&2; }

if command -v tailscaled >/dev/null && command -v tailscale >/dev/null; then
  say "found $(command -v tailscaled) and $(command -v tailscale) ($(tailscale version 2>/dev/null | head -n 1))"
  exit 0
fi
if [[ -x $bin/tailscaled && -x $bin/tailscale ]] && "$bin/tailscale" version 2>/dev/null | head -n 1 | grep -qx "${VERSION#v}"; then
  say "found $bin/tailscaled and $bin/tailscale ($VERSION); pass --tailscaled/--tailscale or add $bin to PATH"
  exit 0
fi

if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
  apt-get update -qq || true
  if apt-cache policy tailscale 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tailscale
    say "installed tailscale from the distribution's repository"
    exit 0
  fi
  say "the distribution has no tailscale package; building $VERSION with go install"
fi

command -v go >/dev/null || { say "no tailscale package and no Go: install Go >= 1.26.6, or tailscale from https://pkgs.tailscale.com"; exit 1; }
mkdir -p "$bin"
GOBIN=$bin GOFLAGS=-trimpath go install "tailscale.com/cmd/tailscaled@$VERSION" "tailscale.com/cmd/tailscale@$VERSION"
say "built $bin/tailscaled and $bin/tailscale ($VERSION); pass --tailscaled $bin/tailscaled --tailscale $bin/tailscale, or add $bin to PATH"
