#!/usr/bin/env bash
# The one command that runs every check: typecheck, lint and every package's tests.
# Installs what it needs first: pnpm, the dependencies, and the real nats-server and beanstalkd
# that the integration tests start (with apt-get, when missing and running as root).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source scripts/servers.sh

echo "==> typecheck, lint, test"
pnpm run check
