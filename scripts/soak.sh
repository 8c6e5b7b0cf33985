#!/usr/bin/env bash
# The release check: every package's fault suite, run long (X_TEST_SOAK=1): server kill -9 and
# long outages, stalled connections, full and read-only disks, clock steps, decoder fuzzing with
# 50,000 inputs each. Every scenario prints a `fault-report {json}` line; lost must be 0 wherever
# a README promises it. Sets itself up like scripts/test.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source scripts/servers.sh

echo "==> soak: every package's fault suite, long"
pnpm run soak 2>&1 | tee "${TMPDIR:-/tmp}/x-soak.log"
echo "==> fault reports"
grep -h '^fault-report ' "${TMPDIR:-/tmp}/x-soak.log" | sed 's/^fault-report //' || true
