#!/usr/bin/env bash
# fetch-source.sh — puts Debian 12's nng 1.5.2 source package (nng_1.5.2.orig.tar.gz and
# nng_1.5.2-2.debian.tar.xz) into the build's cache (default ~/.cache/ismap-assess/nng) with
# apt-get source, so the build can patch nng #1518 (deploy/nng/nng.cmake). Run by
# install-deps.sh; does nothing when both files are already there with their pinned SHA-256.
# The machine's apt sources usually list binary packages only: this script reads the same
# archives for sources through a private, temporary source list (Types: deb-src), leaving the
# system's apt configuration untouched.
set -euo pipefail
cache=${ISM_NNG_CACHE:-"$HOME/.cache/ismap-assess/nng"}
version=1.5.2-2
declare -A pinned=(
  [nng_1.5.2.orig.tar.gz]=f8b25ab86738864b1f2e3128e8badab581510fa8085ff5ca9bb980d317334c46
  [nng_1.5.2-2.debian.tar.xz]=ecf0bcd3b5645b95aa1f1f58519547bcfaaab81a863f88a59178d72fdfdffd72
)
have_all() {
  local f
  for f in "${!pinned[@]}"; do
    [ -f "$cache/$f" ] && echo "${pinned[$f]}  $cache/$f" | sha256sum -c --quiet - 2>/dev/null || return 1
  done
}
mkdir -p "$cache"
if have_all; then echo "fetch-source: nng $version source present in $cache"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial"
# deb822 files: the same archives, for sources.
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && sed 's/^Types:.*$/Types: deb-src/' "$f" >"$work/parts/$(basename "$f")"
done
# one-line format: each "deb" line becomes a "deb-src" line.
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && sed -n 's/^deb \(.*\)$/deb-src \1/p' "$f" >"$work/parts/$(basename "$f").list"
done
apt_opts=(-o "Dir::Etc::SourceList=$work/none.list" -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists" -o "APT::Sandbox::User=root")
: >"$work/none.list"
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq source --download-only "nng=$version")
for f in "${!pinned[@]}"; do
  echo "${pinned[$f]}  $work/$f" | sha256sum -c --quiet - || {
    echo "fetch-source: $f does not match its pinned SHA-256" >&2
    exit 1
  }
  cp "$work/$f" "$cache/$f"
done
echo "fetch-source: nng $version source fetched into $cache"
