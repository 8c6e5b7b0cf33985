#!/usr/bin/env bash
# Shared set-up for scripts/test.sh and scripts/demo.sh: the pinned pnpm and the dependencies.
# Sourced, not run. Works on a fresh machine with only Node >= 20.19 and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pinned=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pinned" ]; then
  echo "==> installing pnpm $pinned"
  # npm rather than corepack: this registry serves packuments without signatures, which corepack
  # rejects unless COREPACK_INTEGRITY_KEYS=0.
  if ! npm install --global --silent "pnpm@$pinned" 2>/dev/null; then
    # Not allowed to write the global prefix (not root): install into the user's home instead.
    npm install --global --silent --prefix "$HOME/.local" "pnpm@$pinned"
    export PATH="$HOME/.local/bin:$PATH"
  fi
  hash -r
fi

echo "==> pnpm install"
pnpm install --frozen-lockfile --reporter=silent
