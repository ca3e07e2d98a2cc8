#!/bin/sh
# apply-patches.sh — run by the build (deploy/nng/nng.cmake) inside the unpacked nng 1.5.2 source:
# applies Debian's own patch series from nng_1.5.2-2.debian.tar.xz (what libnng1 ships), then
# ours. Usage: apply-patches.sh DEBIAN_TARBALL OUR_PATCH...
set -eu
debian_tar=$1
shift
rm -rf debian
tar xJf "$debian_tar"
grep -v '^#' debian/patches/series | while read -r p; do
  [ -n "$p" ] && patch -p1 -s -N < "debian/patches/$p"
done
for p in "$@"; do
  patch -p1 -s -N < "$p"
done
