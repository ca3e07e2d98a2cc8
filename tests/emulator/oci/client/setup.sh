#!/usr/bin/env bash
# setup.sh — installs the pinned OCI SDK packages (package-lock.json) for the wire test:
# `npm ci` here, from the registry npm is configured with (deploy/test.sh's deps stage runs it).
# Exit 77 when Node ≥ 20 or npm is missing, 1 when the packages cannot be installed (the deps
# stage fails; the wire test, which runs this again, skips).
set -u
cd "$(dirname "$0")"
command -v node >/dev/null && command -v npm >/dev/null || { echo "no node/npm"; exit 77; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "Node $major < 20"; exit 77; }
[ -d node_modules/oci-common ] && [ node_modules/.package-lock.json -nt package-lock.json ] && exit 0
npm ci --no-audit --no-fund >npm-ci.log 2>&1 || { echo "npm ci failed (see $(pwd)/npm-ci.log)"; exit 1; }
