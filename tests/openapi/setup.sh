#!/usr/bin/env bash
# setup.sh — installs the OpenAPI validator (tests/openapi/package-lock.json) with npm ci, for
# the openapi_validate test; called by deploy/test.sh. Without npm it says so and does nothing
# (the test then skips).
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null; then
  echo "tests/openapi: npm not found; the OpenAPI validation test will be skipped"
  exit 0
fi
npm ci --no-audit --no-fund
