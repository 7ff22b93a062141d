#!/usr/bin/env bash
# Installs and configures what the container tests (src/test/java/dev/tailgate/container) need,
# all from Debian's packages, no container registry: podman with runc, catatonit (podman's --init),
# debootstrap, and a local base image, localhost/debian:bookworm-slim, that the Dockerfiles start
# FROM; and the Dev Containers CLI (@devcontainers/cli from npm, pinned) into
# $TAILGATE_CACHE/devcontainer-cli. The image is made once with `debootstrap --variant=minbase` (about 40 s) and kept as a
# tarball in $TAILGATE_CACHE (default ~/.cache/tailgate), imported again when podman lacks it.
#
# podman here runs as root with runc and cgroupfs (crun refuses hybrid cgroups), and with ulimits
# at or below the host's hard limits (podman's default raise is refused without
# CAP_SYS_RESOURCE): /etc/containers/containers.conf says so, for the CLI and the Docker API alike.
# Ends with a `podman run` of the base image; exits non-zero, saying why, if that cannot run.
# Idempotent.
set -euo pipefail

cache=${TAILGATE_CACHE:-$HOME/.cache/tailgate}
devcontainer_cli_version=0.89.0
base=localhost/debian:bookworm-slim
tarball=$cache/debian-bookworm-minbase.tar
conf=/etc/containers/containers.conf
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

say() { echo "install-podman: $*" >&2; }

sudo=
[[ $(id -u) -eq 0 ]] || sudo=sudo

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
[[ -x /usr/libexec/podman/catatonit ]] || need+=(catatonit)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v npm >/dev/null || need+=(npm)
if ((${#need[@]})); then
  say "installing ${need[*]} from Debian's packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The limits a container may ask for: the host's hard limits, capped.
nofile=$(ulimit -Hn)
[[ $nofile == unlimited || $nofile -gt 65536 ]] && nofile=65536
nproc=$(ulimit -Hu)
[[ $nproc == unlimited || $nproc -gt 4096 ]] && nproc=4096
want="# Written by tailgate's scripts/install-podman.sh
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]
init_path = \"/usr/libexec/podman/catatonit\"

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
"
if [[ ! -f $conf ]] || { grep -q "install-podman.sh" "$conf" && [[ $(cat "$conf") != "${want%$'\n'}" ]]; }; then
  say "writing $conf (runc, cgroupfs, ulimits nofile=$nofile nproc=$nproc)"
  printf '%s' "$want" | $sudo tee "$conf" >/dev/null
elif ! grep -q "install-podman.sh" "$conf"; then
  say "$conf is not ours; left alone (it needs: runtime runc, cgroup_manager cgroupfs, default_ulimits within ulimit -Hn/-Hu)"
fi

if ! podman image exists "$base"; then
  if [[ ! -s $tarball ]]; then
    say "making $base with debootstrap --variant=minbase bookworm (once; cached in $tarball)"
    start=$SECONDS
    root=$(mktemp -d)
    trap '$sudo rm -rf "$root"' EXIT
    $sudo debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
    echo "deb $mirror bookworm main" | $sudo tee "$root/etc/apt/sources.list" >/dev/null
    $sudo rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
    mkdir -p "$cache"
    $sudo tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    say "debootstrap took $((SECONDS - start)) s"
  fi
  podman import --quiet "$tarball" "$base" >/dev/null
  say "imported $base from $tarball"
fi

cli=$cache/devcontainer-cli
if [[ $("$cli/node_modules/.bin/devcontainer" --version 2>/dev/null) != "$devcontainer_cli_version" ]]; then
  say "installing @devcontainers/cli@$devcontainer_cli_version into $cli"
  npm install --silent --no-fund --no-audit --prefix "$cli" "@devcontainers/cli@$devcontainer_cli_version" >/dev/null
fi

if ! out=$(podman run --rm --network=none "$base" true 2>&1); then
  say "podman cannot run a container here: podman run --rm $base true: $out"
  exit 1
fi
say "podman $(podman version --format '{{.Client.Version}}') runs $base"
