#!/usr/bin/env bash
# http_api.sh — the HTTP gateway (issue 12) against a real ismapd with --http on loopback, driven
# by curl: every resource GET, the op route, uploads (raw body + X-Filename, multipart) and
# downloads (Content-Type, RFC 5987 Content-Disposition), the statuses of the contract
# (400/401/403/404/405/409/413), the security headers, the README's curl examples verbatim
# (extracted between its markers), https with a test certificate (TLS 1.3 negotiated, a
# CBC-only client refused), and the connection limits (a client over per_address is refused,
# a stalled client is cut off by the timeout). Waits for conditions, never for time.
set -u
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}" "${ISMSNAPFIX:?}"
command -v curl >/dev/null || { echo "curl is not installed"; exit 77; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d /tmp/ismtest-http-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fx="$ISM_SOURCE_DIR/tests/fixtures"

fails=0 passes=0
ok() { passes=$((passes+1)); }
no() { fails=$((fails+1)); echo "FAIL $*"; }

# start_daemon NAME ARGS... — starts ismapd with its own data dir and log; sets PORT from the
# log line http.listening (port 0 lets the kernel choose).
start_daemon() {
  local name=$1; shift
  "$ISMAPD" --data-dir "$tmp/$name" --log-file "$tmp/$name.log" "$@" &
  pids+=($!)
  PORT=""
  for _ in $(seq 400); do
    PORT=$($PY -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    try: e = json.loads(line)
    except ValueError: continue
    if e.get("event") == "http.listening": print(e["port"]); break' "$tmp/$name.log" 2>/dev/null)
    [ -n "$PORT" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$PORT" ] || { echo "ismapd $name did not listen:"; cat "$tmp/$name.log"; exit 1; }
}

start_daemon data --http http://127.0.0.1:0 --max-message 1048576
B="http://127.0.0.1:$PORT"
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
for _ in $(seq 200); do "$ISMAPCTL" ping >/dev/null 2>&1 && break; sleep 0.05; done
C="$ISMAPCTL"

# ---- data: an auditor and a procurement officer of みなと市, a viewer of another org ----------
token() { "$C" token create --name "$1" --role "$2" --org "$3" --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
AUD=$(token aud auditor みなと市)
PROC=$(token proc procurement みなと市)
VIEW=$(token view viewer みなと市)
OTHER=$(token other auditor 別の市)
[ -n "$AUD" ] && [ -n "$PROC" ] && [ -n "$OTHER" ] && ok || no "tokens"
"$ISMSNAPFIX" "$fx/snapshots/base.json" "$fx/snapshots/aws-iam-root-access-keys/fail.json" "$tmp/bad.db" \
  || no "building the snapshot"
"$C" subject create みなと市住民記録基盤 --kind workload --environment production \
  --account 111122223333 --organization みなと市 >/dev/null || no "workload subject"
# The auditor brings the snapshot and opens the assessment over HTTP (the op route), so both
# belong to みなと市; then waits for the evaluation (a condition, bounded).
$PY - "http://127.0.0.1:$PORT" "$AUD" "$tmp/bad.db" >"$tmp/ids" <<'PYEOF' || no "snapshot and assessment over HTTP"
import base64, json, sys, time, urllib.request
base, tok, db = sys.argv[1:]
def op(name, params):
    req = urllib.request.Request(f"{base}/api/v1/ops/{name}", data=json.dumps(params).encode(),
                                 headers={"Authorization": "Bearer " + tok})
    return json.load(urllib.request.urlopen(req))["result"]
snap = op("snapshot.import", {"content_base64": base64.b64encode(open(db, "rb").read()).decode()})["id"]
a = op("assessment.create", {"subject": "みなと市住民記録基盤", "frameworks": "ismap-must-meet,mic-cloud-addon",
                             "snapshots": [snap], "name": "2026年度 監査"})["id"]
deadline = time.monotonic() + 300
while op("assessment.show", {"id": a})["state"] != "ready":
    assert time.monotonic() < deadline, "the assessment never became ready"
    time.sleep(0.05)
print(snap, a)
PYEOF
read -r snap A <"$tmp/ids"
[ -n "$A" ] && ok || no "no assessment"
"$C" subject create 住民記録クラウド --provider はまなすクラウド株式会社 --organization みなと市 \
  --service "Hamanasu 住民記録クラウド" --model SaaS >/dev/null || no "service subject"
S=$("$C" --json subject show 住民記録クラウド | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ -n "$S" ] && ok || no "no subject id"

# get NAME WANT_STATUS TOKEN URL [curl args...] — body in $tmp/body, headers in $tmp/hdr.
get() {
  local name=$1 want=$2 tok=$3 url=$4; shift 4
  local auth=()
  [ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
  local got
  got=$(curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' "${auth[@]}" "$@" "$url")
  if [ "$got" = "$want" ]; then ok; else no "$name: HTTP $got, wanted $want: $(head -c 400 "$tmp/body")"; fi
}
body() { # body NAME PYTHON-EXPRESSION-ON-d
  $PY -c "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); assert $2, repr(d)[:600]" "$tmp/body" 2>"$tmp/pyerr" \
    && ok || { no "$1:"; tail -2 "$tmp/pyerr"; }
}
header() { # header NAME REGEX
  grep -qiE "$2" "$tmp/hdr" && ok || { no "$1: no header matching '$2' in:"; cat "$tmp/hdr"; }
}

# ---- resource GETs ---------------------------------------------------------------------------
get subjects 200 "$AUD" "$B/api/v1/subjects"
body subjects-list 'd["ok"] and {"住民記録クラウド", "みなと市住民記録基盤"} <= {s["name"] for s in d["result"]}'
header json-type '^Content-Type: application/json; charset=utf-8'
header csp "^Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
header nosniff '^X-Content-Type-Options: nosniff'
header referrer '^Referrer-Policy: no-referrer'
header frame '^X-Frame-Options: DENY'
header no-store '^Cache-Control: no-store'
grep -qi '^Strict-Transport-Security' "$tmp/hdr" && no "HSTS on plain http" || ok
get subject 200 "$AUD" "$B/api/v1/subjects/$S"
body subject-show 'd["result"]["name"] == "住民記録クラウド"'
# A Japanese name in the path, percent-encoded.
get subject-by-name 200 "$AUD" "$B/api/v1/subjects/%E4%BD%8F%E6%B0%91%E8%A8%98%E9%8C%B2%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89"
body subject-by-name-id "d['result']['id'] == '$S'"
get subject-missing 404 "$AUD" "$B/api/v1/subjects/nobody"
body subject-missing-code 'd["ok"] is False and d["error"]["code"] == "not_found"'
get subject-other-org 404 "$OTHER" "$B/api/v1/subjects/$S"
get screening 200 "$AUD" "$B/api/v1/subjects/$S/screening?today=2025-09-01"
body screening-today 'd["result"]["today"] == "2025-09-01"'
get assessments 200 "$AUD" "$B/api/v1/assessments"
body assessments-list "'$A' in [a['id'] for a in d['result']]"
get assessment 200 "$AUD" "$B/api/v1/assessments/$A"
body assessment-show "d['result']['id'] == '$A'"
get matrix 200 "$AUD" "$B/api/v1/assessments/$A/matrix"
body matrix-all 'len(d["result"]["requirements"]) == 188'
get matrix-filtered 200 "$AUD" "$B/api/v1/assessments/$A/matrix?status=partial&framework=ismap-must-meet"
body matrix-filter 'd["result"]["requirements"] and all(r["status"] == "partial" and r["framework"] == "ismap-must-meet" for r in d["result"]["requirements"])'
get matrix-empty-param 200 "$AUD" "$B/api/v1/assessments/$A/matrix?status=&framework="
body matrix-empty-is-none 'len(d["result"]["requirements"]) == 188'
get matrix-bad-status 400 "$AUD" "$B/api/v1/assessments/$A/matrix?status=great"
body matrix-bad-status-code 'd["error"]["code"] == "invalid_params" and "status" in d["error"]["message"]'
get matrix-unknown-param 400 "$AUD" "$B/api/v1/assessments/$A/matrix?stauts=partial"
body matrix-unknown-named '"stauts" in d["error"]["message"] and d["error"]["details"][0]["parameter"] == "stauts"'
get matrix-twice 400 "$AUD" "$B/api/v1/assessments/$A/matrix?status=partial&status=satisfied"
get matrix-other-org 404 "$OTHER" "$B/api/v1/assessments/$A/matrix"
# Conditional reads: the ETag is matrix.get's etag; If-None-Match naming it -> 304, no body.
get matrix-etag 200 "$AUD" "$B/api/v1/assessments/$A/matrix"
header matrix-etag-header '^ETag: "[0-9a-f]{32}"'
ET=$(sed -n 's/^ETag: *\("[0-9a-f]*"\).*/\1/Ip' "$tmp/hdr" | tr -d '\r')
body matrix-etag-in-body "'\"%s\"' % d['result']['etag'] == '$ET'"
rm -f "$tmp/body" # curl writes no file for an empty body
get matrix-not-modified 304 "$AUD" "$B/api/v1/assessments/$A/matrix" -H "If-None-Match: $ET"
[ ! -s "$tmp/body" ] && ok || no "matrix-not-modified: a body: $(head -c 200 "$tmp/body")"
header matrix-304-etag "^ETag: $ET"
get matrix-weak-etag 304 "$AUD" "$B/api/v1/assessments/$A/matrix" -H "If-None-Match: W/$ET"
get matrix-stale-etag 200 "$AUD" "$B/api/v1/assessments/$A/matrix" -H 'If-None-Match: "0123456789abcdef0123456789abcdef"'
body matrix-stale-full 'len(d["result"]["requirements"]) == 188'
get matrix-page 200 "$AUD" "$B/api/v1/assessments/$A/matrix?limit=100" -H "If-None-Match: $ET"
body matrix-page-own-etag "len(d['result']['requirements']) == 100 and d['result']['total'] == 188 and d['result']['next_cursor'] == 'o100' and '\"%s\"' % d['result']['etag'] != '$ET'"
get matrix-summary 200 "$AUD" "$B/api/v1/assessments/$A/matrix?summary=true"
body matrix-summary-counts '"requirements" not in d["result"] and sum(d["result"]["counts"].values()) == 188 and d["result"]["counts_by_framework"]'
ES=$(sed -n 's/^ETag: *\("[0-9a-f]*"\).*/\1/Ip' "$tmp/hdr" | tr -d '\r')
get matrix-summary-not-modified 304 "$AUD" "$B/api/v1/assessments/$A/matrix?summary=true" -H "If-None-Match: $ES"
get matrix-summary-bad 400 "$AUD" "$B/api/v1/assessments/$A/matrix?summary=maybe"
get matrix-summary-with-limit 400 "$AUD" "$B/api/v1/assessments/$A/matrix?summary=1&limit=5"
get matrix-etag-other-org 404 "$OTHER" "$B/api/v1/assessments/$A/matrix" -H "If-None-Match: $ET"
# Findings, paged with the cursor until the end: every finding once.
get findings 200 "$AUD" "$B/api/v1/assessments/$A/findings?status=fail&limit=2"
body findings-page 'len(d["result"]["findings"]) <= 2 and d["result"]["total"] >= 1'
$PY - "$B" "$AUD" "$A" <<'PYEOF' && ok || no "findings cursor paging"
import json, sys, urllib.request
base, tok, a = sys.argv[1:]
def get(q):
    req = urllib.request.Request(f"{base}/api/v1/assessments/{a}/findings?{q}",
                                 headers={"Authorization": "Bearer " + tok})
    return json.load(urllib.request.urlopen(req))["result"]
whole = get("limit=10000")
seen, cursor = [], None
while True:
    page = get("limit=7" + (f"&cursor={cursor}" if cursor else ""))
    seen += page["findings"]
    cursor = page["next_cursor"]
    if not cursor: break
assert seen == whole["findings"] and len(seen) == whole["total"] > 7, (len(seen), whole["total"])
PYEOF
# The filters (account, region, severity, check, domain) over GET, paged with the same cursor.
$PY - "$B" "$AUD" "$A" <<'PYEOF' && ok || no "findings filters over GET"
import json, sys, urllib.parse, urllib.request
base, tok, a = sys.argv[1:]
def get(**q):
    req = urllib.request.Request(f"{base}/api/v1/assessments/{a}/findings?" + urllib.parse.urlencode(q),
                                 headers={"Authorization": "Bearer " + tok})
    return json.load(urllib.request.urlopen(req))["result"]
whole = get(limit=10000)["findings"]
f = whole[0]
for key in ("account", "region", "severity", "check", "domain"):
    want = [x for x in whole if x[key] == f[key]]
    seen, cursor = [], None
    while True:
        page = get(limit=3, **{key: f[key]}, **({"cursor": cursor} if cursor else {}))
        assert page["total"] == len(want), (key, page["total"], len(want))
        seen += page["findings"]
        cursor = page["next_cursor"]
        if not cursor: break
    assert seen == want, key
PYEOF
get findings-bad-domain 400 "$AUD" "$B/api/v1/assessments/$A/findings?domain=dmz"
body findings-bad-domain-named '"domain" in d["error"]["message"] and "mynumber" in d["error"]["message"]'
get findings-bad-limit 400 "$AUD" "$B/api/v1/assessments/$A/findings?limit=ten"
body findings-bad-limit-named '"limit" in d["error"]["message"]'
get findings-bad-cursor 400 "$AUD" "$B/api/v1/assessments/$A/findings?cursor=zzz"
get snapshots 200 "$AUD" "$B/api/v1/snapshots?limit=5"
body snapshots-list "'$snap' in [s['id'] for s in d['result']]"
get snapshot 200 "$AUD" "$B/api/v1/snapshots/$snap"
body snapshot-show "d['result']['id'] == '$snap'"
get jobs 200 "$AUD" "$B/api/v1/jobs?limit=10"
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"][0]["id"])' "$tmp/body")
get job 200 "$AUD" "$B/api/v1/jobs/$job"
body job-show "d['result']['id'] == '$job'"
get job-missing 404 "$AUD" "$B/api/v1/jobs/nojob"

# ---- auth, methods, paths, the op route --------------------------------------------------------
get no-token 401 "" "$B/api/v1/subjects"
header www-auth '^WWW-Authenticate: Bearer'
body no-token-code 'd["error"]["code"] == "unauthenticated"'
get bad-token 401 "not-a-token" "$B/api/v1/subjects"
get method 405 "$AUD" "$B/api/v1/subjects" -X DELETE
header allow '^Allow: GET'
get method-post-matrix 405 "$AUD" "$B/api/v1/assessments/$A/matrix" -X POST
get no-path 404 "$AUD" "$B/api/v1/nothing"
get op 200 "$AUD" "$B/api/v1/ops/ops.list" -X POST
body op-list '"matrix.get" in [o["op"] for o in d["result"]]'
get op-unknown 404 "$AUD" "$B/api/v1/ops/no.such" -X POST
get op-bad-json 400 "$AUD" "$B/api/v1/ops/subject.list" --data-binary '{"x":'
get op-denied 403 "$VIEW" "$B/api/v1/ops/subject.create" --data-binary '{"kind":"service","name":"x","provider":"y"}'
body op-denied-code 'd["error"]["code"] == "permission_denied"'
get op-conflict 409 "$PROC" "$B/api/v1/ops/subject.create" --data-binary '{"kind":"service","name":"住民記録クラウド","provider":"y"}'
head -c 1100000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
get op-too-large 413 "$AUD" "$B/api/v1/ops/ops.list" --data-binary @"$tmp/big.json"
body op-too-large-code 'd["error"]["code"] == "too_large"'

# ---- uploads -----------------------------------------------------------------------------------
Q=questionnaire.xlsx
get upload-raw 200 "$PROC" "$B/api/v1/evidence?kind=questionnaire&subject=$S&today=2025-09-01" \
  -H "X-Filename: %E5%88%A5%E7%B4%99_%E5%9B%9E%E7%AD%94.xlsx" --data-binary @"$fx/evidence/$Q"
body upload-raw-result 'd["ok"] and d["result"]'
"$C" --json evidence list "$S" --all >"$tmp/ev.json"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(x["source"]["name"] == "別紙_回答.xlsx" for x in d), d' "$tmp/ev.json" \
  && ok || no "the X-Filename is not the evidence's source name"
get upload-multipart 200 "$PROC" "$B/api/v1/evidence" -F kind=caiq -F subject="$S" \
  -F "file=@$fx/evidence/caiq.csv;filename=CAIQ回答.csv"
body upload-multipart-result 'd["ok"]'
get upload-options 200 "$PROC" "$B/api/v1/evidence?kind=file&subject=$S" \
  -F 'options={"kind":"contract","title":"利用契約書","about":"5-21"}' -F "file=@$fx/evidence/contract.pdf"
get upload-no-name 400 "$PROC" "$B/api/v1/evidence?kind=caiq&subject=$S" --data-binary @"$fx/evidence/caiq.csv"
body upload-no-name-says '"X-Filename" in d["error"]["message"]'
get upload-unknown-field 400 "$PROC" "$B/api/v1/evidence" -F kind=caiq -F subject="$S" -F colour=red -F "file=@$fx/evidence/caiq.csv"
body upload-unknown-field-named '"colour" in d["error"]["message"]'
get upload-bad-data 400 "$PROC" "$B/api/v1/evidence?kind=questionnaire&subject=$S" \
  -H "X-Filename: bad_formula.xlsx" --data-binary @"$fx/evidence/bad_formula.xlsx"
body upload-bad-data-where 'any(x.get("sheet") == "別紙" and x.get("row") == 26 for x in d["error"]["details"])'
get upload-viewer 403 "$VIEW" "$B/api/v1/evidence?kind=caiq&subject=$S" -H "X-Filename: c.csv" --data-binary @"$fx/evidence/caiq.csv"
get upload-other-org 404 "$OTHER" "$B/api/v1/evidence?kind=caiq&subject=$S" -H "X-Filename: c.csv" --data-binary @"$fx/evidence/caiq.csv"
"$C" --json evidence list "$S" --all >"$tmp/before.json"
head -c 1100000 /dev/urandom >"$tmp/big.bin"
get upload-too-large 413 "$PROC" "$B/api/v1/evidence?kind=file&subject=$S" -H "X-Filename: big.bin" --data-binary @"$tmp/big.bin"
get upload-too-large-form 413 "$PROC" "$B/api/v1/evidence?kind=file&subject=$S" -F "file=@$tmp/big.bin"
"$C" --json evidence list "$S" --all >"$tmp/after.json"
# A file of exactly max_message_bytes fits, although the form around it makes the body larger.
head -c 1048576 /dev/urandom >"$tmp/max.bin"
get upload-max-file 200 "$PROC" "$B/api/v1/evidence?kind=file&subject=$S" -F "file=@$tmp/max.bin"
head -c 1048576 /dev/urandom >"$tmp/max2.bin"
get upload-max-file-raw 200 "$PROC" "$B/api/v1/evidence?kind=file&subject=$S" --data-binary @"$tmp/max2.bin" -H "X-Filename: max2.bin"
get upload-name-twice 400 "$PROC" "$B/api/v1/evidence?kind=file&subject=$S&name=a.bin" --data-binary @"$tmp/max2.bin" -H "X-Filename: b.bin"
cmp -s "$tmp/before.json" "$tmp/after.json" && ok || no "a refused upload changed the evidence"

# ---- downloads ---------------------------------------------------------------------------------
get screening-xlsx 200 "$AUD" "$B/api/v1/subjects/$S/screening/export?format=xlsx&today=2025-09-01"
header xlsx-type '^Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
header xlsx-disposition "^Content-Disposition: attachment; filename=\"screening-$S.xlsx\"; filename\\*=UTF-8''%E5%88%A5%E7%B4%99_%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89%E3%82%B5%E3%83%BC%E3%83%93%E3%82%B9%E8%A6%81%E4%BB%B6%E7%A2%BA%E8%AA%8D_$S.xlsx"
$PY -c 'import zipfile,sys; n=zipfile.ZipFile(sys.argv[1]).namelist(); assert any(x.startswith("xl/worksheets/sheet") for x in n), n' "$tmp/body" \
  && ok || no "the screening XLSX is not a workbook with a sheet"
get screening-csv 200 "$AUD" "$B/api/v1/subjects/$S/screening/export?format=csv"
header csv-type '^Content-Type: text/csv; charset=utf-8'
get screening-json 200 "$AUD" "$B/api/v1/subjects/$S/screening/export?format=json&today=2025-09-01"
body screening-json-doc 'd["verdict"]["must_meet"]["unmet"] == 1'
get screening-no-format 400 "$AUD" "$B/api/v1/subjects/$S/screening/export"
body screening-no-format-named '"format" in d["error"]["message"]'
get screening-bad-format 400 "$AUD" "$B/api/v1/subjects/$S/screening/export?format=pdf"
for f in html:'text/html; charset=utf-8' xlsx:application/vnd.openxml csv:'text/csv; charset=utf-8' \
         csv-findings:'text/csv; charset=utf-8' json:application/json oscal:application/json; do
  fmt=${f%%:*} type=${f#*:}
  get "report-$fmt" 200 "$AUD" "$B/api/v1/assessments/$A/report?format=$fmt"
  header "report-$fmt-type" "^Content-Type: $type"
  header "report-$fmt-disposition" "^Content-Disposition: attachment; filename=\"assessment-$A.*\"; filename\\*=UTF-8''%E"
  [ -s "$tmp/body" ] && ok || no "empty $fmt report"
done
get report-html 200 "$AUD" "$B/api/v1/assessments/$A/report?format=html"
header report-html-name "filename\\*=UTF-8''%E7%9B%A3%E6%9F%BB%E5%A0%B1%E5%91%8A%E6%9B%B8_$A.html"
grep -q "情報セキュリティ監査" "$tmp/body" && ok || no "the HTML report is not the report"
"$C" export "$A" --format json --today 2025-09-01 -o "$tmp/cli.json"
get report-json-same 200 "$AUD" "$B/api/v1/assessments/$A/report?format=json&today=2025-09-01"
$PY -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); assert a["requirements"] == b["requirements"] and a.keys() == b.keys()' "$tmp/cli.json" "$tmp/body" \
  && ok || no "the HTTP report differs from ismapctl export"
get report-other-org 404 "$OTHER" "$B/api/v1/assessments/$A/report?format=html"
get report-bad-param 400 "$AUD" "$B/api/v1/assessments/$A/report?format=html&lang=en"

# ---- the README's examples, verbatim ------------------------------------------------------------
$PY - "$ISM_SOURCE_DIR/README.md" >"$tmp/examples.sh" <<'PYEOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<!-- http-examples:begin -->\n```sh\n(.*?)```\n<!-- http-examples:end -->", text, re.S)
assert m, "README.md has no http-examples block"
print(m.group(1), end="")
PYEOF
n=$(grep -c '^curl' "$tmp/examples.sh")
[ "$n" -ge 6 ] && ok || no "README has $n curl examples"
mkdir -p "$tmp/readme" && cp "$fx/evidence/questionnaire.xlsx" "$tmp/readme/"
# Each command alone, in the README's own variables; curl -f turns an HTTP error into a failure.
while IFS= read -r line; do
  case $line in ''|'#'*) continue ;; esac
  (cd "$tmp/readme" && ISMAP_HTTP=$B TOKEN=$PROC S=$S A=$A PATH="$(dirname "$ISMAPCTL"):$PATH" \
     bash -euo pipefail -c "$line") >"$tmp/ex.out" 2>&1 \
    && ok || { no "README example failed: $line"; head -c 600 "$tmp/ex.out"; echo; }
done <"$tmp/examples.sh"
ls "$tmp/readme" | grep -q "^assessment-$A.html$" && ok || no "README's report download did not save assessment-$A.html: $(ls "$tmp/readme")"

# ---- https: TLS 1.3 negotiated, CBC-only and TLS 1.1 clients refused, HSTS ----------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.err" \
  || { no "openssl req"; cat "$tmp/openssl.err"; }
start_daemon tls --listen "ipc://$tmp/tls/ismapd.sock" --http "https://127.0.0.1:0" \
  --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem"
T="https://127.0.0.1:$PORT"
curl -sS -v --cacert "$tmp/cert.pem" -o "$tmp/body" -D "$tmp/hdr" "$T/api/v1/subjects" 2>"$tmp/tls.err"
grep -q "SSL connection using TLSv1.3" "$tmp/tls.err" && ok || { no "TLS 1.3 not negotiated"; grep -i ssl "$tmp/tls.err"; }
header hsts '^Strict-Transport-Security: max-age=31536000'
header tls-401 '^HTTP/1.1 401'
curl -sS --cacert "$tmp/cert.pem" --tlsv1.2 --tls-max 1.2 -o /dev/null -w '%{http_code}' "$T/api/v1/subjects" >"$tmp/code" 2>/dev/null
[ "$(cat "$tmp/code")" = 401 ] && ok || no "a TLS 1.2 AEAD client was not served"
curl -sS --cacert "$tmp/cert.pem" --tlsv1.2 --tls-max 1.2 \
  --ciphers 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA' \
  -o /dev/null "$T/api/v1/subjects" 2>"$tmp/cbc.err" && no "a CBC-only client was served" || ok
grep -qi "alert\|handshake\|SSL" "$tmp/cbc.err" && ok || { no "CBC refusal is not a TLS failure"; cat "$tmp/cbc.err"; }
openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 </dev/null >"$tmp/tls11.out" 2>&1 && no "TLS 1.1 accepted" || ok

# ---- limits: per-address connections, a stalled client, header size -----------------------------
cat >"$tmp/limits.json" <<JSON
{"http": {"listen": "http://127.0.0.1:0", "per_address": 3, "timeout_s": 2}}
JSON
start_daemon lim --config "$tmp/limits.json" --listen "ipc://$tmp/lim/ismapd.sock"
$PY - "$PORT" <<'PYEOF' && ok || no "limits"
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    return s
def closed_without_reply(s):
    """True when the server closes s without sending a byte (waits up to 30 s for it)."""
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
# per_address = 3: three connections held open (a request line, no end of headers) ...
held = [conn() for _ in range(3)]
for s in held:
    s.sendall(b"GET /api/v1/subjects HTTP/1.1\r\nHost: x\r\n")
# ... and a fourth is refused: closed at once, no reply. (The server counts a connection when
# it accepts it; the first three are accepted before the fourth, as their bytes went first.)
extra = conn()
assert closed_without_reply(extra), "a 4th connection from the same address was served"
# A stalled client (headers never finished) is cut off by timeout_s: the server closes it
# without a reply. Waiting for that is waiting for the condition, bounded by recv's 30 s.
for s in held:
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        data = b""
    assert data == b"" or b"408" in data, data[:200]
# With those gone, a connection is served again (the server may take a moment to count the
# closed ones out: retry until it answers, bounded).
deadline = time.monotonic() + 30
while True:
    s = conn()
    try:
        s.sendall(b"GET /api/v1/subjects HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = s.recv(4096)
    except (ConnectionResetError, BrokenPipeError):
        data = b""  # still counted as held: refused (reset) — retry
    s.close()
    if data.startswith(b"HTTP/1.1 401"): break
    assert time.monotonic() < deadline, "no connection served after the held ones closed"
    time.sleep(0.05)
# Headers over the per-connection memory: refused (431 or closed), never served.
s = conn()
try:
    s.sendall(b"GET /api/v1/subjects HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
    data = s.recv(4096)
except (ConnectionResetError, BrokenPipeError):
    data = b""
assert data == b"" or data.startswith(b"HTTP/1.1 431") or data.startswith(b"HTTP/1.1 414"), data[:100]
s.close()
# A slowloris client: one header byte every 0.3 s keeps the connection active (an inactivity
# timeout alone never fires), but its headers never end: the server must cut it off. The
# client dribbles until the server closes (the condition), bounded at 60 s.
s = conn()
s.sendall(b"GET /api/v1/subjects HTTP/1.1\r\nHost: x\r\nX-Slow: ")
s.settimeout(0.3)
deadline = time.monotonic() + 60
cut = False
while not cut:
    assert time.monotonic() < deadline, "a slowloris client was never cut off"
    try:
        s.send(b"a")
        if s.recv(4096) == b"": cut = True
    except socket.timeout:
        pass
    except (ConnectionResetError, BrokenPipeError):
        cut = True
PYEOF

echo "http_api: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
