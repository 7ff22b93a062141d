#!/usr/bin/env bash
# Runs only the end-to-end test on a real tailnet (docs/e2e.md): installs what it needs (cached),
# then `mvn verify` for RealTailnetIT alone (after `package`: it drives scripts/tailgate and the
# jar, as a user does). As root (it makes a network namespace).
# Extra arguments go to Maven, e.g. -Dtailgate.e2e.tailscaledEnv=TS_DEBUG_ALWAYS_USE_DERP=1
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
cd "$root"

scripts/e2e/install.sh
exec mvn -B verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RealTailnetIT \
  -Dtailgate.requireTools=true -Dspotless.check.skip=true "$@"
