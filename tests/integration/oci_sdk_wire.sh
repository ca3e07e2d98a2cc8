#!/usr/bin/env bash
# oci_sdk_wire.sh — Oracle's own OCI SDK for JavaScript (tests/emulator/oci/client: oci-common,
# oci-identity, oci-core, oci-objectstorage, pinned by package-lock.json) drives ociemu: the SDK's
# signatures verify (and an unregistered key's do not) and the SDK's models parse every answer
# (Identity, Core, Object Storage, paging by opc-next-page). Skips (77) without Node ≥ 20 or when
# the packages cannot be installed.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EMU=${OCIEMU:-${ISM_BUILD_DIR:-$SRC/build}/tests/ociemu}
[ -x "$EMU" ] || { echo "oci_sdk_wire: ociemu not built"; exit 1; }
command -v openssl >/dev/null || { echo "no openssl: skipped"; exit 77; }
client=$SRC/tests/emulator/oci/client
"$client/setup.sh" || { echo "oci_sdk_wire: the OCI SDK is not available: skipped"; exit 77; }
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
for v in $(env | grep -o '^OCI_CLI_[A-Z_]*'); do unset "$v"; done

tmp=$(mktemp -d)
emu_pid=""
trap '[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
U=ocid1.user.oc1..aaaaaaaacollector
fp() { openssl rsa -in "$1" -pubout -outform DER 2>/dev/null | openssl md5 -c | sed 's/.*= //'; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/key.pem" 2>/dev/null
openssl rsa -in "$tmp/key.pem" -pubout -out "$tmp/key.pub" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/other.pem" 2>/dev/null
cat >"$tmp/config" <<CFG
[DEFAULT]
user = $U
tenancy = ocid1.tenancy.oc1..aaaaaaaaminatocity
fingerprint = $(fp "$tmp/key.pem")
key_file = $tmp/key.pem
region = ap-tokyo-1

[STRANGER]
user = $U
tenancy = ocid1.tenancy.oc1..aaaaaaaaminatocity
fingerprint = $(fp "$tmp/other.pem")
key_file = $tmp/other.pem
region = ap-tokyo-1
CFG
"$EMU" --register-key "$U=$tmp/key.pub" --page-size 2 --port-file "$tmp/port" >"$tmp/emu.log" 2>&1 &
emu_pid=$!
wait_file "$tmp/port" || { cat "$tmp/emu.log"; exit 1; }
NODE_PATH=$client/node_modules node "$client/wire.js" "http://127.0.0.1:$(cat "$tmp/port")" "$tmp/config"
rc=$?
[ $rc = 0 ] || cat "$tmp/emu.log"
exit $rc
