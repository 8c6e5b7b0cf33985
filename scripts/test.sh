#!/usr/bin/env bash
# The one command that runs every check: typecheck, lint, every package's tests and the
# publishing check.
# Installs what it needs first: pnpm, the dependencies, and the real nats-server and beanstalkd
# that the integration tests start (with apt-get, when missing and running as root).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source scripts/servers.sh

# `pnpm check` also runs the publishing check (tools/templates): it packs every package and runs
# each app copied out of the repository with npm, so npm must reach the registry.
echo "==> typecheck, lint, test, publint, templates"
pnpm run check
