#!/usr/bin/env bash
# cli_https.sh — ismapctl over the HTTP gateway: https:// with TLS 1.3 (GnuTLS, in libmicrohttpd),
# the certificate checked against an IP SAN, tokens as bearer
# headers, the same exit statuses and roles as over nng; a CBC-only or TLS 1.1 client is refused.
set -u
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}"
. "$(dirname "$0")/../lib/shtest.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
tmp=$(mktemp -d /tmp/ismtest-https-XXXXXX)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=ismapd \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
  -keyout "$tmp/other.key" -out "$tmp/other.pem" 2>/dev/null
"$ISMAPD" --data-dir "$tmp/data" --log-file "$tmp/log" --http https://127.0.0.1:0 \
  --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
# The bound port is in the daemon's log line http.listening.
port_of() { "$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("event") == "http.listening":
        print(d["port"]); sys.exit(0)
sys.exit(1)' "$tmp/log"; }
wait_daemon $pid || { cat "$tmp/log"; exit 1; }
wait_for "the HTTP gateway's port in the log" port_of || { cat "$tmp/log"; exit 1; }
port=$(port_of)
url="https://127.0.0.1:$port"

check token-create 0 "$ISMAPCTL" token create --name https --role auditor --org city --json
tok=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$tmp/out")
check https-ping 0 "$ISMAPCTL" --url "$url" --ca-file "$tmp/cert.pem" --token "$tok" ping
check https-status 0 "$ISMAPCTL" --url "$url" --ca-file "$tmp/cert.pem" --token "$tok" status
contains https-role "$tmp/out" "auditor of city"
check https-denied 1 "$ISMAPCTL" --url "$url" --ca-file "$tmp/cert.pem" --token "$tok" token list
contains https-denied-text "$tmp/err" "permission_denied"
check https-no-token 1 env -u ISMAP_TOKEN "$ISMAPCTL" --url "$url" --ca-file "$tmp/cert.pem" ping
contains https-no-token-text "$tmp/err" "unauthenticated"
check https-bad-token 1 "$ISMAPCTL" --url "$url" --ca-file "$tmp/cert.pem" --token ism_nope ping
check https-not-found 1 "$ISMAPCTL" --url "$url" --ca-file "$tmp/cert.pem" --token "$tok" \
  jobs show job_0000000000000000
contains https-not-found-text "$tmp/err" "not_found"
# The server's certificate must verify: another CA, or none, is refused.
check https-wrong-ca 2 "$ISMAPCTL" --url "$url" --ca-file "$tmp/other.pem" --token "$tok" ping
check https-no-daemon 2 "$ISMAPCTL" --url "https://127.0.0.1:1" --timeout 5 --token "$tok" ping
contains https-no-daemon-text "$tmp/err" "connection refused"

# TLS: 1.3 is negotiated; CBC suites and TLS 1.1 are refused.
out=$(openssl s_client -connect "127.0.0.1:$port" -CAfile "$tmp/cert.pem" </dev/null 2>&1)
if grep -q "TLSv1.3" <<<"$out"; then passes=$((passes+1)); else
  fails=$((fails+1)); echo "FAIL tls13: not negotiated"; echo "$out" | head -30; fi
if openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA:AES128-SHA' \
    </dev/null >"$tmp/cbc" 2>&1 && grep -q "Cipher is ECDHE" "$tmp/cbc"; then
  fails=$((fails+1)); echo "FAIL cbc: a CBC suite was accepted"; else passes=$((passes+1)); fi
if openssl s_client -connect "127.0.0.1:$port" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null >"$tmp/t11" 2>&1 \
    && grep -q "Protocol  *: TLSv1.1" "$tmp/t11"; then
  fails=$((fails+1)); echo "FAIL tls11: TLS 1.1 was accepted"; else passes=$((passes+1)); fi

# Plain http:// is refused anywhere but loopback.
"$ISMAPD" --data-dir "$tmp/data2" --log-file "$tmp/log2" --http http://0.0.0.0:0 >/dev/null 2>&1
got=$?
if [ "$got" = 2 ] && grep -q "loopback" "$tmp/log2"; then passes=$((passes+1)); else
  fails=$((fails+1)); echo "FAIL http-non-loopback: exit $got"; cat "$tmp/log2"; fi

echo "cli_https: $passes passed, $fails failed"
[ "$fails" = 0 ]
