#!/usr/bin/env bash
# setup.sh — installs the wire test's npm packages (google-auth-library, three @googleapis
# clients and googleapis for Cloud Asset Inventory) from the committed lockfile with `npm ci`.
# Safe to run again. Without npm or with a
# Node.js older than 20 it says so and exits 0: the wire test then skips itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v npm >/dev/null 2>&1 || { echo "gcp wire setup: npm not found; skipped"; exit 0; }
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || { echo "gcp wire setup: Node.js older than 20; skipped"; exit 0; }
if cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.json.src" 2>/dev/null; then
  echo "gcp wire setup: node_modules up to date"; exit 0
fi
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
cp "$here/package-lock.json" "$here/node_modules/.package-lock.json.src"
