#!/usr/bin/env bash
# catalog.sh — the catalog ops through ismapctl against a live ismapd: list, show, items,
# search, map, export; every export validated against the OSCAL 1.2.1 schemas (when
# ../shared/reference and python3-jsonschema are present); a damaged catalog stops startup.
set -u
. "$(dirname "$0")/../lib/shtest.sh"
: "${ISMAPD:?run through ctest}" "${ISMAPCTL:?run through ctest}" "${ISM_SOURCE_DIR:?}"
tmp=$(mktemp -d /tmp/ismtest-catalog-XXXXXX)
"$ISMAPD" --data-dir "$tmp/data" --log-file "$tmp/log" --catalog-dir "$ISM_SOURCE_DIR/catalog" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export ISMAP_SOCKET="$tmp/data/ismapd.sock"
wait_daemon "$pid" || exit 1

fails=0 passes=0
ok() { passes=$((passes+1)); }
no() { fails=$((fails+1)); echo "FAIL $*"; }
run() { "$@" >"$tmp/out" 2>"$tmp/err" || { no "exit $? from: $*"; cat "$tmp/err"; return 1; }; ok; }
has() { grep -q -- "$1" "$tmp/out" && ok || { no "'$1' not in output of the last command"; head -20 "$tmp/out"; }; }

run "$ISMAPCTL" catalog list --json
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/out")
[ "$n" = 15 ] && ok || no "catalog list has $n entries, not 15"
run "$ISMAPCTL" catalog list
has "ISMAP管理基準"
run "$ISMAPCTL" catalog show ismap 10.1.1.9.PB
has "暗号技術を利用する機能を提供し"
has "must_meet: true"
has "iso27001-2013 A.10.1.1"
run "$ISMAPCTL" catalog show mic-audit C-4
has "マイナンバー利用システム"
run "$ISMAPCTL" catalog show mic-audit 29
has "必須 mandatory: 要確認 (unknown)"
has "mandatory_basis: No.29"
has "text_flags: \[\"missing\"\]"
"$ISMAPCTL" catalog show ismap 99.99 >"$tmp/out" 2>"$tmp/err"; [ $? = 1 ] && ok || no "unknown item exit"
grep -q "not_found" "$tmp/err" && ok || no "unknown item message"
run "$ISMAPCTL" catalog items mic-audit --profile 3.12
[ "$(grep -c '^3.12-' "$tmp/out")" = 9 ] && ok || no "profile 3.12 should list 9 items"
run "$ISMAPCTL" catalog search 暗号 --catalog ismap
has "10.1.1"
run "$ISMAPCTL" catalog search マイナンバー 分離
has "mic-audit"
run "$ISMAPCTL" catalog search incident response --limit 100
has "16.1.5"
run "$ISMAPCTL" catalog map ismap 10.1.1.9.PB
has "A.10.1.1"
has "iso27001-2022"

# Every catalog and crosswalk exports; with the schemas at hand each validates.
schemas="${ISM_SHARED_DIR:-$ISM_SOURCE_DIR/../shared}/reference/oscal-schemas"
"$ISMAPCTL" catalog list --json >"$tmp/list.json"
ids=$(python3 -c 'import json,sys; print(" ".join(c["id"]+":"+c["kind"] for c in json.load(open(sys.argv[1]))))' "$tmp/list.json")
cats=() xws=()
for e in $ids; do
  id=${e%%:*} kind=${e##*:}
  run "$ISMAPCTL" catalog export "$id" --format oscal -o "$tmp/$id.oscal.json" || continue
  if [ "$kind" = catalog ]; then cats+=("$tmp/$id.oscal.json"); else xws+=("$tmp/$id.oscal.json"); fi
done
[ ${#cats[@]} = 8 ] && [ ${#xws[@]} = 7 ] && ok || no "exported ${#cats[@]} catalogs, ${#xws[@]} crosswalks"
validator="$ISM_SOURCE_DIR/tests/tools/validate_oscal.py"
if [ -d "$schemas" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  /usr/bin/python3 "$validator" "$schemas" catalog "${cats[@]}" >"$tmp/v1" && ok || { no "catalog OSCAL invalid"; cat "$tmp/v1"; }
  /usr/bin/python3 "$validator" "$schemas" mapping "${xws[@]}" >"$tmp/v2" && ok || { no "mapping OSCAL invalid"; cat "$tmp/v2"; }
  # The validator must be able to fail: a control without its required title.
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); g=d["catalog"]["groups"][0]; c=(g.get("controls") or g["groups"][0]["controls"])[0]; del c["title"]; json.dump(d,open(sys.argv[2],"w"))' \
    "$tmp/ismap.oscal.json" "$tmp/broken.json"
  /usr/bin/python3 "$validator" "$schemas" catalog "$tmp/broken.json" >/dev/null && no "validator accepted a broken catalog" || ok
  echo "OSCAL exports validated against $schemas"
else
  echo "OSCAL schema validation skipped: no $schemas or no python3-jsonschema"
fi

# A damaged catalog stops startup, naming file and entry.
mkdir -p "$tmp/badcat"; cp "$ISM_SOURCE_DIR"/catalog/*.json "$tmp/badcat/"
python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); d["items"][7]["parent"]="nowhere"; json.dump(d,open(p,"w"),ensure_ascii=False)' "$tmp/badcat/ipa-benchmark.json"
"$ISMAPD" --data-dir "$tmp/data2" --log-file "$tmp/log2" --catalog-dir "$tmp/badcat"; rc=$?
[ $rc = 1 ] && ok || no "damaged catalog: ismapd exit $rc, wanted 1"
grep -q "ipa-benchmark.json: item" "$tmp/log2" && grep -q "parent 'nowhere'" "$tmp/log2" && ok || { no "damaged catalog message"; cat "$tmp/log2"; }

# The built index is kept (service/catalog/cache.c; here the default, in the data directory): a
# second start reads it, a changed catalog is built again and shows its change, and the folder
# keeps one index.
mkdir -p "$tmp/cat2"; cp "$ISM_SOURCE_DIR"/catalog/*.json "$ISM_SOURCE_DIR"/catalog/search-synonyms.tsv "$tmp/cat2/"
start_cached() { # start_cached N — starts ismapd on $tmp/cat2, shows one item, stops it
  (unset ISMAP_CATALOG_CACHE; exec "$ISMAPD" --data-dir "$tmp/data3" --log-file "$tmp/log3.$1" --catalog-dir "$tmp/cat2") &
  local p=$!
  wait_daemon "$p" --socket "$tmp/data3/ismapd.sock" || { no "ismapd $1 did not start"; return; }
  "$ISMAPCTL" --socket "$tmp/data3/ismapd.sock" catalog show ismap 10.1.1.9.PB >"$tmp/out3.$1" 2>&1
  kill "$p"; wait "$p" 2>/dev/null
}
start_cached 1
grep -q '"event":"catalog.loaded".*"cached":false' "$tmp/log3.1" && ok || no "first start: index not built"
start_cached 2
grep -q '"event":"catalog.loaded".*"cached":true' "$tmp/log3.2" && ok || no "second start: index not read from the cache"
cmp -s "$tmp/out3.1" "$tmp/out3.2" && ok || no "the cached index shows another item"
python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); [i for i in d["items"] if i["id"] == "10.1.1.9.PB"][0]["text"]["ja"] = "索引キャッシュの確認"; json.dump(d,open(p,"w"),ensure_ascii=False)' "$tmp/cat2/ismap.json"
start_cached 3
grep -q '"event":"catalog.loaded".*"cached":false' "$tmp/log3.3" && ok || no "changed catalog: index not built again"
grep -q "索引キャッシュの確認" "$tmp/out3.3" && ok || { no "changed catalog: the change does not show"; head -5 "$tmp/out3.3"; }
[ "$(ls "$tmp/data3/catalog-cache" | grep -c '^catalog-.*\.db$')" = 1 ] && ok || { no "catalog-cache keeps more than one index"; ls -l "$tmp/data3/catalog-cache"; }

echo "catalog: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
