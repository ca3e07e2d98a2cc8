#!/usr/bin/env bash
# emulator_faults.sh — awsemu's fault modes answer the documented errors in each protocol's real
# shape, and /__emulator/stats counts them: token-bucket throttling (RequestLimitExceeded 503,
# SlowDown 503, ThrottlingException 400), injected 5xx (InternalFailure 500, ServiceUnavailable
# 503), AccessDenied per protocol, truncated XML, invalid JSON, an HTML page from a proxy,
# dropped connections, latency on timers (concurrent calls overlap), deterministic random rates
# for a seed, rules with after/times from a faults file, and the HTTP layer (pipelining,
# chunked bodies refused, header limit, missing signature, S3 without x-amz-content-sha256).
set -euo pipefail
. "$(dirname "$0")/../lib/shtest.sh"

SRC=${ISM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EMU=${AWSEMU:-${ISM_BUILD_DIR:-$SRC/build}/tests/awsemu}
CALL=${EMUCALL:-${ISM_BUILD_DIR:-$SRC/build}/tests/emucall}
[ -x "$EMU" ] && [ -x "$CALL" ] || { echo "emulator_faults: awsemu/emucall not built"; exit 1; }
KEY=AKIAMINATOCOLLECT001 SECRET='mInAtOcOlLeCtOr/SeCrEtKeY+0123456789aBcD'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

start_emu() { # NAME FLAGS...
  local name=$1
  shift
  rm -f "$work/$name.port"
  "$EMU" --port-file "$work/$name.port" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  printf -v "PID_$name" '%s' "$!"
  if ! wait_file "$work/$name.port"; then
    cat "$work/$name.err"
    grep -q "cannot load the .* model" "$work/$name.err" && { echo "no botocore models: skipped"; exit 77; }
    exit 1
  fi
  printf -v "PORT_$name" '%s' "$(cat "$work/$name.port")"
}

# call PORT SERVICE [REGION] emucall-args... — output in $work/out, exit status in $rc
call() {
  local port=$1 svc=$2
  shift 2
  rc=0
  "$CALL" --port "$port" --key "$KEY" --secret "$SECRET" --service "$svc" "$@" >"$work/out" 2>&1 || rc=$?
}
status() { sed -n '1s/^HTTP //p' "$work/out"; }
body() { sed '1,/^\r$/d' "$work/out"; }

# expect LABEL STATUS PATTERN — the last call answered STATUS with PATTERN in its answer
expect() {
  if [ "$(status)" = "$2" ] && grep -q -- "$3" "$work/out"; then
    pass "$1: $2 $3"
  else
    fail "$1: want $2 $3, got: $(head -c 600 "$work/out")"
  fi
}

# admin PORT PATH [POST] — an /__emulator/ endpoint (no curl needed)
admin() {
  "$PY" -c 'import sys, urllib.request as u
r = u.Request("http://127.0.0.1:%s/__emulator/%s" % (sys.argv[1], sys.argv[2]),
              method=sys.argv[3] if len(sys.argv) > 3 else "GET")
sys.stdout.write(u.urlopen(r, timeout=10).read().decode())' "$@"
}
stats() { admin "$1" stats; }

echo "== injected faults, one per protocol"
start_emu a --seed 7 --bucket ec2=5/0.2 --bucket 'iam=off' \
  --fault 'iam:ListUsers=internal_error' --fault 'iam:ListRoles=unavailable' \
  --fault 'kms:ListKeys=invalid_json' --fault 'ec2:DescribeVolumes=truncated' \
  --fault 'cloudtrail:DescribeTrails=html_proxy' --fault 'iam:GetAccountSummary=drop' \
  --fault 'organizations:ListAccounts@712345670001=access_denied' \
  --fault 's3:ListBuckets=throttle' --fault 'logs:*=throttle' \
  --fault 'guardduty:ListDetectors=access_denied' --fault 'ec2:DescribeSubnets=access_denied' \
  --fault 'iam:ListAttachedUserPolicies=access_denied' \
  --fault 'sts:GetCallerIdentity=latency:400'
A=$PORT_a
call $A iam --action ListUsers
expect "query 5xx" 500 "<Code>InternalFailure</Code>"
grep -q "<Type>Receiver</Type>" "$work/out" && pass "query 5xx is a Receiver fault" || fail "Receiver"
call $A iam --action ListRoles
expect "query unavailable" 503 "<Code>ServiceUnavailable</Code>"
call $A iam --action ListAttachedUserPolicies --form UserName=ismap-collector
expect "query AccessDenied" 403 "<Code>AccessDenied</Code>"
call $A kms --target ListKeys
expect "invalid JSON (status kept)" 200 "x-amzn-RequestId"
body | "$PY" -c 'import json,sys; json.loads(sys.stdin.read())' 2>/dev/null && fail "body parsed as JSON" || pass "body is not JSON"
call $A ec2 --action DescribeVolumes
expect "truncated XML (status kept)" 200 "<DescribeVolumesResponse"
body | "$PY" -c 'import sys, xml.dom.minidom as m; m.parseString(sys.stdin.buffer.read())' 2>/dev/null && fail "XML parsed" || pass "XML is truncated"
call $A cloudtrail --target DescribeTrails
expect "HTML page from a proxy" 502 "<title>502 Bad Gateway</title>"
grep -qi "content-type: text/html" "$work/out" && pass "text/html" || fail "html content type"
call $A iam --action GetAccountSummary
[ "$rc" = 3 ] && grep -q DROPPED "$work/out" && pass "dropped connection" || fail "drop: rc=$rc $(cat "$work/out")"
call $A organizations --target ListAccounts
expect "JSON AccessDenied" 400 '"__type":"AccessDeniedException"'
call $A s3 --method GET --path /
expect "S3 throttling" 503 "<Code>SlowDown</Code>"
call $A logs --target DescribeLogGroups
expect "JSON throttling" 400 '"__type":"ThrottlingException"'
call $A guardduty --method GET --path /detector
expect "REST-JSON AccessDenied" 403 "x-amzn-ErrorType: AccessDeniedException"
call $A ec2 --action DescribeSubnets
expect "EC2 UnauthorizedOperation" 403 "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"

# The emulator's clock is frozen while the seven calls are made, so none of them sees a token
# come back however slowly a busy machine runs them (a 5 s window was not enough beside two
# CPU-bound processes, nor a 10 s one at a load of 40).
echo "== EC2 token bucket (5, refill 0.2/s: seven calls at one instant of the emulator's clock)"
admin "$A" clock/freeze POST >/dev/null
codes=""
for _ in 1 2 3 4 5 6 7; do
  call $A ec2 --region ap-northeast-3 --action DescribeVpcs
  codes="$codes $(status)"
done
[ "$codes" = " 200 200 200 200 200 503 503" ] && pass "bucket: $codes" || fail "bucket: $codes"
expect "EC2 throttling" 503 "<Code>RequestLimitExceeded</Code>"
call $A ec2 --region ap-northeast-1 --action DescribeVpcs
expect "another region has its own bucket" 200 "<DescribeVpcsResponse"
admin "$A" clock/thaw POST >/dev/null
# The bucket refills one token in 5 s: wait until the emulator's own clock says 5 s have passed
# (a condition read from its stats, which spends no token), not a fixed sleep.
uptime() { stats $A | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["uptime_ms"])'; }
t_throttled=$(uptime)
for _ in $(seq 1200); do [ $(($(uptime) - t_throttled)) -ge 5000 ] && break; sleep 0.05; done
call $A ec2 --region ap-northeast-3 --action DescribeVpcs
expect "the bucket refills" 200 "<DescribeVpcsResponse"

echo "== latency on timers: 4 concurrent 400 ms calls overlap"
# The emulator is stopped (SIGSTOP) until the kernel holds all four requests for it, so that
# four clients starting slowly on a busy machine still reach it together: on SIGCONT it reads
# them at once and must hold all four on its timers.
queued_requests() { # PORT N: at least N connections to PORT with an unread request
  "$PY" - "$1" "$2" <<'PYEOF'
import sys
port, want = int(sys.argv[1]), int(sys.argv[2])
n = 0
for line in open("/proc/net/tcp").readlines()[1:]:
    f = line.split()
    if int(f[1].split(":")[1], 16) == port and f[3] == "01" and int(f[4].split(":")[1], 16) > 0:
        n += 1
sys.exit(0 if n >= want else 1)
PYEOF
}
lat=()
kill -STOP "$PID_a"
for i in 1 2 3 4; do
  "$CALL" --port $A --key $KEY --secret "$SECRET" --service sts --action GetCallerIdentity >"$work/lat$i" &
  lat+=($!)
done
wait_for "4 requests queued for the stopped emulator" queued_requests $A 4 || true
kill -CONT "$PID_a"
wait "${lat[@]}"
ok=$(grep -l '^HTTP 200' "$work"/lat? | wc -l)
# Overlap is shown by the emulator holding all four answers on its timers at once, not by a
# wall-clock duration (which a busy machine stretches).
parked=$(stats $A | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["connections"]["max_parked"])')
if [ "$ok" = 4 ] && [ "${parked:-0}" -ge 4 ]; then pass "4 calls held at once ($parked)"; else fail "latency: $ok ok, at most $parked held at once"; fi

echo "== stats count what was injected"
stats $A >"$work/stats.json"
"$PY" - "$work/stats.json" <<'PYEOF' && pass "stats" || fail "stats: $(cat "$work/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
inj = s["injected"]
want = {"internal_error": 1, "unavailable": 1, "invalid_json": 1, "truncated": 1, "html_proxy": 1,
        "access_denied": 4, "throttle": 2, "drop": 1}
for k, v in want.items():
    assert inj[k] == v, (k, inj[k], v)
assert s["dropped"] == 1, s["dropped"]
assert s["throttled"] == 4, s["throttled"]            # 2 bucket + 2 rules
assert s["errors_injected"] == 11, s["errors_injected"]
ops = s["operations"]
assert ops["ec2:DescribeVpcs"]["throttled"] == 2, ops["ec2:DescribeVpcs"]
assert ops["iam:GetAccountSummary"]["dropped"] == 1
assert ops["sts:GetCallerIdentity"]["ok"] == 4
assert s["throttled_buckets"]["712345670001/ap-northeast-3/ec2"] == 2, s["throttled_buckets"]
assert s["responses"]["5xx"] >= 5, s["responses"]
PYEOF
admin "$A" reset POST >/dev/null
stats $A | "$PY" -c 'import json,sys; s=json.load(sys.stdin); assert s["requests"]==0 and s["dropped"]==0, s' \
  && pass "reset zeroes the counters" || fail "reset"

echo "== random 5xx and drops are deterministic for a seed"
sequence() { # SEED -> outcome of 40 calls
  start_emu r --seed "$1" --error-rate 0.3 --drop-rate 0.1 --no-throttle
  local out=""
  for _ in $(seq 40); do
    call $PORT_r sts --action GetCallerIdentity
    if [ "$rc" = 3 ]; then out="${out}D"; else
      case "$(status)" in 200) out="${out}." ;; 500) out="${out}5" ;; 503) out="${out}3" ;; *) out="${out}?" ;; esac
    fi
  done
  stats $PORT_r >"$work/rstats.json"
  kill "$PID_r"
  wait "$PID_r" 2>/dev/null || true
  echo "$out"
}
s1=$(sequence 42)
s2=$(sequence 42)
s3=$(sequence 43)
echo "     seed 42: $s1"
echo "     seed 43: $s3"
[ "$s1" = "$s2" ] && pass "same seed, same sequence" || fail "seed 42 twice: $s1 vs $s2"
[ "$s1" != "$s3" ] && pass "another seed, another sequence" || fail "seeds 42 and 43 agree"
case "$s1" in *5*) ;; *) fail "no 500 in $s1" ;; esac
case "$s1" in *3*) ;; *) fail "no 503 in $s1" ;; esac
case "$s1" in *D*) ;; *) fail "no drop in $s1" ;; esac
case "$s3" in *\?*) fail "unexpected answer in $s3" ;; esac
"$PY" - "$work/rstats.json" "$s3" <<'PYEOF' && pass "stats match the observed sequence" || fail "random stats"
import json, sys
s, seq = json.load(open(sys.argv[1])), sys.argv[2]
assert s["dropped"] == seq.count("D"), (s["dropped"], seq)
assert s["injected"]["internal_error"] == seq.count("5")
assert s["injected"]["unavailable"] == seq.count("3")
assert s["responses"]["2xx"] == seq.count(".")
PYEOF

echo "== a faults file: after / times"
cat >"$work/faults.json" <<'EOF'
{"seed": 5, "buckets": {"ec2": {"capacity": 1000, "refill": 1000}},
 "rules": [{"operation": "ec2:DescribeVpcs", "account": "712345670001", "fault": "internal_error",
            "after": 1, "times": 2},
           {"operation": "iam:*", "fault": "html_proxy", "status": 503, "times": 1}]}
EOF
start_emu f --faults "$work/faults.json"
codes=""
for _ in 1 2 3 4; do call $PORT_f ec2 --action DescribeVpcs; codes="$codes $(status)"; done
[ "$codes" = " 200 500 500 200" ] && pass "after 1, times 2: $codes" || fail "after/times: $codes"
call $PORT_f iam --action ListUsers
expect "html_proxy with status 503" 503 "<title>503 Service Unavailable</title>"
call $PORT_f iam --action ListUsers
expect "times 1: then normal" 200 "<ListUsersResponse"

echo "== HTTP layer and signatures"
call $PORT_f s3 --method GET --path / --no-content-sha256
expect "S3 without x-amz-content-sha256" 400 "<Code>InvalidRequest</Code>"
"$PY" - "$PORT_f" <<'PYEOF' && pass "pipelining, keep-alive, chunked refused, header limit, no signature" || fail "HTTP layer"
import socket, sys
port = int(sys.argv[1])

def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s

def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk

# two pipelined requests in one write: two answers, in order
s = conn()
s.sendall(b"GET /__emulator/health HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /__emulator/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = read_all(s)
assert data.count(b"HTTP/1.1 ") == 2, data
assert data.index(b"HTTP/1.1 200") < data.index(b"HTTP/1.1 404"), data

# 200 requests on one keep-alive connection
s = conn()
f = s.makefile("rb")
for i in range(200):
    s.sendall(b"GET /__emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
    line = f.readline()
    assert line.startswith(b"HTTP/1.1 200"), line
    length = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        if h.lower().startswith(b"content-length:"):
            length = int(h.split(b":")[1])
    f.read(length)

# a chunked body is refused clearly, and the connection closed
s = conn()
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
data = read_all(s)
assert data.startswith(b"HTTP/1.1 501"), data
assert b"chunked" in data and b"Connection: close" in data, data

# header over the limit
s = conn()
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
data = read_all(s)
assert data.startswith(b"HTTP/1.1 431"), data[:100]

# a query call without a signature
s = conn()
body = b"Action=ListUsers&Version=2010-05-08"
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
data = read_all(s)
assert data.startswith(b"HTTP/1.1 403") and b"<Code>MissingAuthenticationToken</Code>" in data, data
PYEOF

if [ "$failures" -gt 0 ]; then
  echo "emulator_faults: $failures failure(s)"
  exit 1
fi
echo "emulator_faults: all passed"
