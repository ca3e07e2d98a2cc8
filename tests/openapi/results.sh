#!/usr/bin/env bash
# results.sh — the per-op schemas against real replies: test_role_matrix, which drives every op on
# a live ismapd, records one successful call per op in ROLE_MATRIX_REPLIES (ctest runs it first:
# the fixture role_matrix_replies in tests.cmake); validate_results.py checks them against the
# OpenAPI document's request and result schemas (python3-jsonschema; skips without it).
set -u
: "${ISMOPENAPI:?run through ctest}" "${ROLE_MATRIX_REPLIES:?}" "${ISM_SOURCE_DIR:?}"
python3 -c "import jsonschema" 2>/dev/null || { echo "SKIP: python3-jsonschema is not installed"; exit 77; }
[ -s "$ROLE_MATRIX_REPLIES" ] || { echo "FAIL test_role_matrix recorded no replies in $ROLE_MATRIX_REPLIES"; exit 1; }
tmp=$(mktemp -d /tmp/ismtest-opresults-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$ISMOPENAPI" >"$tmp/openapi.json" || { echo "FAIL ismopenapi"; exit 1; }
python3 "$ISM_SOURCE_DIR/tests/openapi/validate_results.py" "$tmp/openapi.json" "$ROLE_MATRIX_REPLIES"
