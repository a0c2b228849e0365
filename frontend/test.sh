#!/usr/bin/env bash
# The ingress page: install (npm ci, skipped while package-lock.json is unchanged), unit tests
# (Vitest), build into addon/aetherlens_engine/web/static/ (committed: the add-on ships it), and
# the end-to-end test in Debian's headless Chromium against a real engine with demo data, which
# also refreshes docs/screenshots/. Runs inside the development environment (scripts/devenv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -z "${AETHERLENS_IN_DEVENV:-}" ]; then
  exec ../scripts/devenv run ./test.sh "$@"
fi
export npm_config_cache=${npm_config_cache:-$PWD/.npm-cache}
stamp=node_modules/.package-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
  echo "$wanted" > "$stamp"
fi
echo "== vitest"
npx --no-install vitest run
echo "== build"
npx --no-install vite build
if command -v git > /dev/null && [ -n "$(git status --porcelain -- ../addon/aetherlens_engine/web/static)" ]; then
  echo "note: the build differs from the committed one; commit addon/aetherlens_engine/web/static"
fi
echo "== end-to-end (headless Chromium)"
node e2e/run.mjs
