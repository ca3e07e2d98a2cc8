#!/usr/bin/env bash
# wire_test.sh — gcpemu proven by Google's official Node clients (client/wire.mjs): the JWT
# grant signed by google-auth-library and verified by the emulator, list shapes and paging,
# IAM policies, the Resource Manager tree, Cloud Asset Inventory assets.list and the error body
# of a denied call. Skips (77) when
# Node.js 20+ or the npm packages (client/setup.sh, `npm ci`) are not available.
set -u
here=$(cd "$(dirname "$0")" && pwd)
GCPEMU=${GCPEMU:?run through ctest}
command -v node >/dev/null 2>&1 || { echo "no node: skipped"; exit 77; }
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || { echo "Node.js older than 20: skipped"; exit 77; }
if [ ! -d "$here/client/node_modules/google-auth-library" ]; then
  "$here/client/setup.sh" >/dev/null 2>&1 || true
fi
[ -d "$here/client/node_modules/google-auth-library" ] || { echo "npm packages unavailable: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/gcpwire-XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
. "$here/../../lib/shtest.sh"
# The key file as Google issues it: token_uri is Google's (the client signs aud = that URL).
"$GCPEMU" --key "$here/../../fixtures/gcp/sa-key.json" --port-file "$tmp/port" --seed 3 \
  --deny 'minato-lgwan-web:compute.routes.list' >"$tmp/emu.log" 2>&1 &
pid=$!
wait_file "$tmp/port" || { cat "$tmp/emu.log"; exit 1; }
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
node "$here/client/wire.mjs" "http://127.0.0.1:$(cat "$tmp/port")" \
  "$here/../../fixtures/gcp/sa-key.json" "$here/tenants/minato-gcp.json"
