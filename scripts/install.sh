#!/usr/bin/env bash
# Puts `tailgate` on PATH for a user outside a devcontainer: builds the jar, links the launcher into
# /usr/local/bin (root) or ~/.local/bin, and installs bash completion. Run it again after an update.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

command -v java >/dev/null || { echo "install: Java 17 is needed (e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "install: Maven is needed to build tailgate (apt-get install maven)" >&2; exit 1; }

if [[ $(id -u) -eq 0 ]]; then
  bin=/usr/local/bin
  completions=/usr/share/bash-completion/completions
else
  bin=$HOME/.local/bin
  completions=${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion/completions
fi

(cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
mkdir -p "$bin" "$completions"
ln -sfn "$root/scripts/tailgate" "$bin/tailgate"
"$bin/tailgate" generate-completion >"$completions/tailgate"
echo "install: $bin/tailgate -> $root/scripts/tailgate; bash completion in $completions/tailgate"
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "install: add $bin to PATH (e.g. in ~/.profile: export PATH=\"$bin:\$PATH\")" ;;
esac
"$bin/tailgate" --version | head -n 1
