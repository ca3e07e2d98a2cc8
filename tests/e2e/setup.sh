#!/usr/bin/env bash
# setup.sh — installs the e2e suite's npm packages (playwright-core, @axe-core/playwright) from
# the committed lockfile with `npm ci`. Called by deploy/test.sh; safe to run again. Without npm
# it says so and exits 0: the e2e ctest then skips itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v npm >/dev/null 2>&1; then
  echo "e2e setup: npm not found; the browser tests will be skipped"
  exit 0
fi
# playwright-core 1.65 needs Node.js 20 or later (Debian 12's own nodejs is 18).
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "e2e setup: Node.js $(node --version 2>/dev/null || echo '?') is older than 20, which playwright-core needs; the browser tests will be skipped"
  exit 0
fi
if [ -f "$here/node_modules/.package-lock.json" ] && cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.json.src" 2>/dev/null; then
  echo "e2e setup: node_modules up to date"
  exit 0
fi
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
cp "$here/package-lock.json" "$here/node_modules/.package-lock.json.src"
echo "e2e setup: installed $(cd "$here" && node -e 'const p=require("./package.json");console.log(Object.entries(p.dependencies).map(e=>e.join("@")).join(" "))')"
