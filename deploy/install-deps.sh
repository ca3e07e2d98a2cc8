#!/usr/bin/env bash
# install-deps.sh — installs the Debian 12 packages ismap-assess builds, tests and runs with.
# Idempotent: installs only what is missing. Runs as root, or through sudo when available.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libjansson-dev libssl-dev libnng-dev patch xz-utils check
  libsqlite3-dev sqlite3 libpq-dev libxml2-dev libzip-dev libxlsxwriter-dev libmicrohttpd-dev zlib1g-dev
  libcairo2-dev libpango1.0-dev fonts-noto-cjk
  python3
)
# cairo + pango typeset the PDF reports (Japanese line breaking, font fallback); fonts-noto-cjk
# is the runtime font they use (Noto Serif CJK JP for text, Noto Sans CJK JP for headings).
# Test-only helpers: schema validation, a real AWS client for the emulator tests, and clang
# with its runtime (libFuzzer, ASan, UBSan) for the fuzz targets in tests/fuzz.
TEST_PKGS=(postgresql python3-jsonschema python3-botocore awscli openssl clang-format clang libclang-rt-14-dev
  chromium fonts-noto-cjk nodejs poppler-utils)
# The web UI's browser tests (tests/e2e) drive Debian's chromium with playwright-core from npm
# (tests/e2e/setup.sh, `npm ci` from the lockfile); fonts-noto-cjk renders the Japanese pages.
# postgresql: the server the store's tests run on PostgreSQL against (tests/pg/pg_run.sh starts
# a throw-away cluster in a temp dir; the package's own system cluster is not used). libpq-dev
# (above) is the client library of the store's PostgreSQL backend.
# poppler-utils (pdftoppm, pdftotext) reads the PDF reports back in tests/unit/test_pdf.c.

# The demo's AWS emulator builds its answers from botocore's API models.
DEMO_PKGS=(python3-botocore)

want=("${PKGS[@]}")
case "${1:-}" in
  --test) want+=("${TEST_PKGS[@]}") ;;
  --demo) want+=("${DEMO_PKGS[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm comes with some Node.js builds; Debian ships it as its own package.
need_npm() { [ "${1:-}" = --test ] && ! command -v npm >/dev/null 2>&1; }
# The build patches Debian's nng 1.5.2 source (deploy/nng/nng.cmake): fetch its source package.
fetch_nng_source() { "$(dirname "$0")/nng/fetch-source.sh"; }
if need_npm "${1:-}"; then missing+=(npm); fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  fetch_nng_source
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fetch_nng_source
