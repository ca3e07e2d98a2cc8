#!/bin/sh
# build-cached.sh — run by the build's configure step (deploy/nng/nng.cmake): builds the patched
# nng 1.5.2 (prepare-source.sh: Debian's source package + our patches) once per machine and
# installs it into CACHE/nng-1.5.2-KEY, which every build folder (build, build-asan, build-fuzz,
# other clones) then links. KEY hashes everything the result depends on — both tarballs' pinned
# SHA-256, the patches, these two scripts and the C compiler's version — so a changed patch or
# compiler gives a new prefix, never a stale library.
# TLS: the transport and nng's TLS API are built with no engine of nng's own
# (NNG_TLS_ENGINE=none); the program registers its OpenSSL engine (service/rpc/tls_openssl.c)
# before it makes a TLS configuration. nng's default engine, Debian 12's Mbed TLS 2.28, has no
# TLS 1.3.
# nng is always built with the system's `cc` (not the project's compiler: the fuzz build's
# clang links the same C library), release flags, no sanitizers, as before.
# Concurrent configures wait on a lock; a half-built prefix is never visible (built beside it,
# then renamed). Prints the prefix on stdout; the build's log goes to CACHE/nng-1.5.2-KEY.log.
# Usage: build-cached.sh CACHE ORIG_TAR ORIG_SHA256 DEBIAN_TAR DEBIAN_SHA256 PATCH...
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=$1 orig=$2 orig_sha=$3 deb=$4 deb_sha=$5
shift 5
cc=$(command -v cc) || { echo "build-cached: no cc on PATH" >&2; exit 1; }
key=$({
  echo "$orig_sha $deb_sha"
  cat "$@" "$here/prepare-source.sh" "$here/build-cached.sh"
  "$cc" --version | head -1
} | sha256sum | cut -c1-16)
prefix=$cache/nng-1.5.2-$key
if [ -f "$prefix/lib/libnng.a" ]; then echo "$prefix"; exit 0; fi

mkdir -p "$cache"
exec 9>"$cache/.nng-build.lock"
flock 9
if [ ! -f "$prefix/lib/libnng.a" ]; then
  log=$prefix.log
  echo "build-cached: building the patched nng once into $prefix (log: $log)" >&2
  work=$(mktemp -d "$cache/tmp.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  if ! {
    sh "$here/prepare-source.sh" "$orig" "$orig_sha" "$deb" "$deb_sha" "$work/src" "$@" &&
      cmake -S "$work/src" -B "$work/build" -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_INSTALL_PREFIX="$work/install" -DCMAKE_INSTALL_LIBDIR=lib \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
        -DBUILD_SHARED_LIBS=OFF -DNNG_ENABLE_TLS=ON -DNNG_TLS_ENGINE=none -DNNG_TESTS=OFF \
        -DNNG_TOOLS=OFF -DNNG_ENABLE_NNGCAT=OFF &&
      cmake --build "$work/build" -j"$(nproc)" &&
      cmake --install "$work/build"
  } >"$log" 2>&1; then
    tail -30 "$log" >&2
    echo "build-cached: the nng build failed (log: $log)" >&2
    exit 1
  fi
  rm -rf "$prefix"
  mv "$work/install" "$prefix"
fi
echo "$prefix"
