#!/usr/bin/env bash
# results.sh — the per-op schemas against real replies: test_role_matrix drives every op on a
# live ismapd and records one successful call per op; validate_results.py checks them against
# the OpenAPI document's request and result schemas (python3-jsonschema; skips without it).
set -u
: "${ISMOPENAPI:?run through ctest}" "${TEST_ROLE_MATRIX:?}" "${ISM_SOURCE_DIR:?}"
python3 -c "import jsonschema" 2>/dev/null || { echo "SKIP: python3-jsonschema is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/ismtest-opresults-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$ISMOPENAPI" >"$tmp/openapi.json" || { echo "FAIL ismopenapi"; exit 1; }
ISM_ROLE_MATRIX_DUMP="$tmp/replies.json" "$TEST_ROLE_MATRIX" >"$tmp/matrix.log" 2>&1 \
  || { echo "FAIL test_role_matrix (its log follows)"; tail -40 "$tmp/matrix.log"; exit 1; }
python3 "$ISM_SOURCE_DIR/tests/openapi/validate_results.py" "$tmp/openapi.json" "$tmp/replies.json"
