#!/usr/bin/env bash
# benchmark.sh — the IPA benchmark self-assessment through ismapctl against a live ismapd:
# answers for an assessment and for a subject, scores per area, all-or-nothing refusal of a
# bad answer, the exports (SVG radar chart well-formed with 27 points, XLSX, JSON) and the
# HTML and PDF reports of the assessment.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}" "${ISMSNAPFIX:?}"
tmp=$(mktemp -d /tmp/ismtest-bench-XXXXXX)
"$ISMAPD" --data-dir "$tmp/data" --log-file "$tmp/log" --listen "ipc://$tmp/data/ismapd.sock" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
wait_daemon "$pid" || exit 1
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/out"; }
want() { if [ "$2" = "$3" ]; then passes=$((passes+1)); else fails=$((fails+1)); echo "FAIL $1: '$2', wanted '$3'"; fi; }

"$ISMSNAPFIX" "$ISM_SOURCE_DIR/tests/fixtures/snapshots/base.json" "$tmp/base.db" \
  || { echo "FAIL building the snapshot"; exit 1; }
check snapshot 0 "$ISMAPCTL" snapshot import "$tmp/base.db"
snap=$(cat "$tmp/out")
check subject 0 "$ISMAPCTL" subject create みなと市基幹系 --kind workload --environment production \
  --account 111122223333 --organization みなと市
check assessment 0 "$ISMAPCTL" assessment create みなと市基幹系 --frameworks mic-cloud-addon \
  --snapshot "$snap" --name "2026年度 自己評価" --wait
a=$(cat "$tmp/out")

check show-empty 0 "$ISMAPCTL" benchmark show --assessment "$a"
contains show-empty-text "$tmp/out" "0/27 answered"
contains show-no-distribution "$tmp/out" "得点分布が含まれていない"
check both-targets 2 "$ISMAPCTL" benchmark show --assessment "$a" --subject みなと市基幹系
check no-target 2 "$ISMAPCTL" benchmark show

# Area 1 (8 questions) and 5-3; a note on 5-3.
check answer 0 "$ISMAPCTL" benchmark answer --assessment "$a" 1-1=5 1-2=4 1-3=3 1-4=2 1-5=1 \
  1-6=5 1-7=4 1-8=3 --json
want area1-sum "$(json 'd["areas"][0]["sum"]')" 27
want area1-mean "$(json 'd["areas"][0]["mean"]')" 3.38
check answer-note 0 "$ISMAPCTL" benchmark answer --assessment "$a" 5-3=2 --note "訓練は未実施"
contains answer-note-text "$tmp/out" "9/27 answered, 29/135 points"
# A bad value anywhere refuses them all.
check answer-bad 1 "$ISMAPCTL" benchmark answer --assessment "$a" 2-1=3 2-2=7
contains answer-bad-text "$tmp/err" "answers\[1\].value"
check answer-unknown 1 "$ISMAPCTL" benchmark answer --assessment "$a" 6-1=3
contains answer-unknown-text "$tmp/err" "not a question"
check answer-syntax 2 "$ISMAPCTL" benchmark answer --assessment "$a" 2-1
check show-json 0 "$ISMAPCTL" benchmark show --assessment "$a" --json
want after-refusal "$(json 'd["total"]["answered"]')" 9
want note-kept "$(json '[q["note"] for q in d["questions"] if q["id"]=="5-3"][0]')" "訓練は未実施"
want no-distribution "$(json 'd["distribution"]')" None

# A subject has answers of its own.
check subject-answer 0 "$ISMAPCTL" benchmark answer --subject みなと市基幹系 3-1=4 --json
want subject-own "$(json 'd["total"]["answered"]')" 1

# Exports.
check export-svg 0 "$ISMAPCTL" benchmark export --assessment "$a" --format svg -o "$tmp/radar.svg"
python3 - "$tmp/radar.svg" <<'PY' && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL svg"; }
import sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
pts = root.find(".//s:polygon[@class='answers']", ns).get("points").split()
assert len(pts) == 27, len(pts)
circles = root.findall(".//s:circle[@data-question]", ns)
assert len(circles) == 27 and sum(1 for c in circles if c.get("data-value")) == 9
assert len(root.findall(".//s:text[@class='area']", ns)) == 5
PY
check export-xlsx 0 "$ISMAPCTL" benchmark export --assessment "$a" --format xlsx -o "$tmp/b.xlsx"
python3 - "$tmp/b.xlsx" <<'PY' && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL xlsx"; }
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
assert "集計" in wb and "回答" in wb, wb
strings = z.read("xl/sharedStrings.xml").decode()
assert "訓練は未実施" in strings and "含まれていない" in strings
PY
check export-json 0 "$ISMAPCTL" benchmark export --assessment "$a" --format json -o "$tmp/b.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["total"]["sum"]==29' "$tmp/b.json" \
  && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL json export"; }
check export-bad 1 "$ISMAPCTL" benchmark export --assessment "$a" --format png -o "$tmp/x"

# The assessment's HTML report carries the chart; the PDF report renders.
check export-html 0 "$ISMAPCTL" export "$a" --format html -o "$tmp/r.html"
contains html-benchmark "$tmp/r.html" 'id="benchmark"'
contains html-svg "$tmp/r.html" "<svg xmlns"
check export-pdf 0 "$ISMAPCTL" export "$a" --format pdf -o "$tmp/r.pdf"
head -c 5 "$tmp/r.pdf" | grep -q '%PDF-' && passes=$((passes+1)) || { fails=$((fails+1)); echo "FAIL pdf"; }

echo "benchmark: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
