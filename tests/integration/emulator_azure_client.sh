#!/usr/bin/env bash
# emulator_azure_client.sh — azureemu against Microsoft's own JavaScript clients
# (tests/emulator/azure/client/wire.mjs: @azure/identity with a client secret and a certificate,
# @azure/arm-* with nextLink paging, Microsoft Graph with @odata.nextLink), in one node process.
# Skips (77) without Node.js 20 or the npm packages (tests/emulator/azure/client/setup.sh).
set -u
. "$(dirname "$0")/../lib/shtest.sh"
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
AZUREEMU=${AZUREEMU:-${ISM_BUILD_DIR:-}/tests/azureemu}
CLIENT=$SRC/tests/emulator/azure/client
if [ ! -x "$AZUREEMU" ]; then echo "azureemu not built: skipped"; exit 77; fi
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then echo "Node.js 20 or later not found: skipped"; exit 77; fi
if [ ! -d "$CLIENT/node_modules/@azure/identity" ]; then
  echo "the Azure SDK packages are not installed (run $CLIENT/setup.sh): skipped"
  exit 77
fi
tmp=$(mktemp -d /tmp/ismtest-azwire-XXXXXX)
emu_pid=""
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1
# The TLS front's certificate, trusted by node through NODE_EXTRA_CA_CERTS.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
"$AZUREEMU" --port-file "$tmp/port" --page-size 1 >"$tmp/emu.log" 2>&1 &
emu_pid=$!
wait_file "$tmp/port" || { echo "azureemu did not start"; cat "$tmp/emu.log"; exit 1; }
cd "$CLIENT" || exit 1
NODE_EXTRA_CA_CERTS=$tmp/cert.pem node wire.mjs "$(cat "$tmp/port")" "$tmp/cert.pem" "$tmp/key.pem" \
  "$SRC/tests/fixtures/azure/client.pem" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 0 ] && grep -q '^ok ' "$tmp/out"
