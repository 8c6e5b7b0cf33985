#!/usr/bin/env bash
# The one command that runs the main job: a producer and a worker on the file queue, no servers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
pnpm run demo
