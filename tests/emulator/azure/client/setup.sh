#!/usr/bin/env bash
# setup.sh — installs the official Azure SDK clients (package-lock.json) with npm ci for the
# emulator_azure_client test; called by deploy/test.sh. Without npm it says so and does nothing
# (the test then skips).
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  echo "tests/emulator/azure/client: npm not found; the Azure wire test will be skipped"
  exit 0
fi
npm ci --no-audit --no-fund
