#!/usr/bin/env bash
# The ingress page: install (npm ci, skipped while package-lock.json is unchanged), a type check
# (TypeScript over the JS, against the API document's types), unit tests (Vitest), build into
# addon/aetherlens_engine/web/static/ (committed: the add-on ships it; a build that differs from
# the committed one fails, after writing the new one for you to commit),
# and the end-to-end test in Debian's headless Chromium against a real engine with demo data
# (with an axe-core audit of every view: no WCAG 2.1 A/AA violation).
# Runs inside the development environment (scripts/devenv).
#
#   frontend/test.sh                 the test (leaves the tree as it was)
#   frontend/test.sh --screenshots   the same, and refresh docs/screenshots/ from its run
set -euo pipefail
case "${1:-}" in
  "" | --screenshots) ;;
  *) echo "usage: frontend/test.sh [--screenshots]" >&2; exit 2 ;;
esac
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
echo "== types (tsc: the page's JS checked against lib/apiTypes.js, generated from the API document)"
npx --no-install tsc -p jsconfig.json
echo "== vitest"
npx --no-install vitest run
echo "== build"
npx --no-install vite build
if git rev-parse --is-inside-work-tree > /dev/null 2>&1 \
  && [ -n "$(git status --porcelain -- ../addon/aetherlens_engine/web/static)" ]; then
  echo "error: the committed page build is stale (frontend/src changed without it)." >&2
  echo "  frontend/test.sh has just rebuilt it: commit addon/aetherlens_engine/web/static" >&2
  echo "  (to rebuild alone: scripts/devenv run sh -c 'cd frontend && npx --no-install vite build')" >&2
  exit 1
fi
echo "== end-to-end (headless Chromium)"
node e2e/run.mjs "$@"
