#!/usr/bin/env bash
# Runs only the container tests (src/test/java/dev/tailgate/container, docs/container.md): installs
# what they need (podman, the base image, the Dev Containers CLI: scripts/install-podman.sh; the
# e2e's tailscaled and headscale: scripts/e2e/install.sh), then `mvn verify` for them alone (after
# `package`: the images take target/tailgate.jar). As root (podman as root, a network namespace).
# Exits non-zero on a failure and also when any of them was skipped (no engine, no binaries), so
# that a green run means they ran. Extra arguments go to Maven.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"

scripts/install-podman.sh
scripts/e2e/install.sh
mvn -B verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test='dev.tailgate.container.*IT' \
  -Dtailgate.requireTools=true -Dspotless.check.skip=true "$@"

summary=target/failsafe-reports/failsafe-summary.xml
skipped=$(sed -n 's:.*<skipped>\([0-9]*\)</skipped>.*:\1:p' "$summary")
if [[ ${skipped:-1} != 0 ]]; then
  echo "container-test: ${skipped:-?} container test(s) SKIPPED; the reasons:" >&2
  grep -h -o 'SKIPPED: [^"<]*' target/failsafe-reports/*.xml | sort -u >&2 || true
  exit 1
fi
echo "container-test: all container tests ran and passed"
