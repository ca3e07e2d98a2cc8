#!/bin/sh
# prepare-source.sh — run by the build (deploy/nng/nng.cmake): makes a fresh nng 1.5.2 source
# tree in SRC_DIR from Debian's source package — checks both tarballs against their pinned
# SHA-256, unpacks the upstream tarball, applies Debian's patch series (what Debian's libnng1
# ships) and then ours, in order. Starting from scratch each time keeps it repeatable.
# Usage: prepare-source.sh ORIG_TAR ORIG_SHA256 DEBIAN_TAR DEBIAN_SHA256 SRC_DIR PATCH...
set -eu
orig=$1 orig_sha=$2 deb=$3 deb_sha=$4 src=$5
shift 5
echo "$orig_sha  $orig" | sha256sum -c --quiet -
echo "$deb_sha  $deb" | sha256sum -c --quiet -
rm -rf "$src"
mkdir -p "$src"
tar xzf "$orig" -C "$src" --strip-components=1
cd "$src"
tar xJf "$deb"
grep -v '^#' debian/patches/series | while read -r p; do
  [ -n "$p" ] && patch -p1 -s -N < "debian/patches/$p"
done
for p in "$@"; do
  patch -p1 -s -N < "$p"
done
