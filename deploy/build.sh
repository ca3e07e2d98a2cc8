#!/usr/bin/env bash
# build.sh — configure and build into DIR (default build/) with extra CMake args.
# Used by demo.sh and test.sh; safe to run again (incremental).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$root/build"}
shift || true
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
