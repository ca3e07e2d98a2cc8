#!/usr/bin/env bash
# validate.sh — the OpenAPI document ism_rpc_openapi builds, validated by swagger-parser (npm,
# installed by tests/openapi/setup.sh): the OpenAPI 3.1 schema, $refs, unique operationIds. What
# the contract says the document states is openapi_document's (check_document.py). Skips (77)
# when node or the validator is not installed.
set -u
: "${ISMOPENAPI:?run through ctest}" "${ISM_SOURCE_DIR:?}"
here="$ISM_SOURCE_DIR/tests/openapi"
tmp=$(mktemp -d /tmp/ismtest-openapi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$ISMOPENAPI" https://ismap.example.jp:8443 >"$tmp/openapi.json" || { echo "FAIL ismopenapi"; exit 1; }
if ! command -v node >/dev/null || [ ! -d "$here/node_modules/@apidevtools/swagger-parser" ]; then
  echo "SKIP: the validator is not installed (run tests/openapi/setup.sh)"
  exit 77
fi
(cd "$here" && node validate.mjs "$tmp/openapi.json")
