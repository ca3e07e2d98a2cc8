# nng.cmake — the nng the project links: Debian 12's nng 1.5.2 source package, pinned by SHA-256,
# with Debian's patch series and deploy/nng/listener-survives-handshake-hangup.patch (the fix of
# upstream issue #1518: a peer that hangs up during the SP handshake made a listener stop
# accepting for good — one local client could stop the admin socket) and
# deploy/nng/tls-aead-suites-and-ip-san.patch (TLS offers only ECDHE suites with AES-GCM or
# ChaCha20-Poly1305 — no static RSA, no CBC — and a client given an IP address checks it
# against the certificate's iPAddress SANs, which Mbed TLS 2.28 ignores) and
# deploy/nng/per-pipe-receive-limit.patch (nng_pipe_set_size(pipe, NNG_OPT_RECVMAXSZ): a receive
# limit per connection, so a peer that has not yet sent a valid token is held to a small one —
# ISM_NNG_PIPE_SET_SIZE tells the code it is there). Built static, with TLS
# over the system's Mbed TLS, as part of the build. The two tarballs are Debian's source package,
# put into ISM_NNG_CACHE by deploy/nng/fetch-source.sh (apt-get source; install-deps.sh runs it).
# -DISM_NNG_PATCHED=OFF links the system libnng instead (the listener bug comes back).
option(ISM_NNG_PATCHED "Build nng 1.5.2 from Debian's source with the listener fix" ON)
set(ISM_NNG_CACHE "$ENV{HOME}/.cache/ismap-assess/nng" CACHE PATH
  "Where deploy/nng/fetch-source.sh put Debian's nng 1.5.2 source package")

if(NOT ISM_NNG_PATCHED)
  find_package(nng CONFIG REQUIRED)
  add_library(ism_nng INTERFACE)
  target_link_libraries(ism_nng INTERFACE nng::nng)
  return()
endif()

include(ExternalProject)
set(_orig nng_1.5.2.orig.tar.gz)
set(_orig_sha f8b25ab86738864b1f2e3128e8badab581510fa8085ff5ca9bb980d317334c46)
set(_deb nng_1.5.2-2.debian.tar.xz)
set(_deb_sha ecf0bcd3b5645b95aa1f1f58519547bcfaaab81a863f88a59178d72fdfdffd72)
foreach(pair "${_orig}:${_orig_sha}" "${_deb}:${_deb_sha}")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 f)
  list(GET pair 1 sha)
  set(got "")
  if(EXISTS "${ISM_NNG_CACHE}/${f}")
    file(SHA256 "${ISM_NNG_CACHE}/${f}" got)
  endif()
  if(NOT got STREQUAL sha)
    message(FATAL_ERROR "${ISM_NNG_CACHE}/${f} is missing or is not the pinned one (SHA-256 "
      "${sha}): run deploy/install-deps.sh (deploy/nng/fetch-source.sh), or configure with "
      "-DISM_NNG_PATCHED=OFF.")
  endif()
endforeach()

find_library(ISM_MBEDTLS_LIB mbedtls REQUIRED)
find_library(ISM_MBEDX509_LIB mbedx509 REQUIRED)
find_library(ISM_MBEDCRYPTO_LIB mbedcrypto REQUIRED)
set(_prefix ${CMAKE_BINARY_DIR}/nng-patched)
set(_patch ${CMAKE_CURRENT_LIST_DIR}/listener-survives-handshake-hangup.patch)
set(_patch_tls ${CMAKE_CURRENT_LIST_DIR}/tls-aead-suites-and-ip-san.patch)
set(_patch_pipe ${CMAKE_CURRENT_LIST_DIR}/per-pipe-receive-limit.patch)
file(SHA256 ${_patch} _patch_sha)
file(SHA256 ${_patch_tls} _patch_tls_sha)
file(SHA256 ${_patch_pipe} _patch_pipe_sha)
ExternalProject_Add(nng_patched
  # The patches' hashes on the command line make a changed patch redo this step.
  DOWNLOAD_COMMAND ${CMAKE_COMMAND} -E env ISM_NNG_PATCHES=${_patch_sha}-${_patch_tls_sha}-${_patch_pipe_sha}
    sh ${CMAKE_CURRENT_LIST_DIR}/prepare-source.sh ${ISM_NNG_CACHE}/${_orig} ${_orig_sha}
    ${ISM_NNG_CACHE}/${_deb} ${_deb_sha} <SOURCE_DIR> ${_patch} ${_patch_tls} ${_patch_pipe}
  SOURCE_DIR ${CMAKE_BINARY_DIR}/nng-patched-build/src/nng_patched
  PREFIX ${CMAKE_BINARY_DIR}/nng-patched-build
  INSTALL_DIR ${_prefix}
  CMAKE_ARGS -DCMAKE_INSTALL_PREFIX=<INSTALL_DIR> -DCMAKE_INSTALL_LIBDIR=lib
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=OFF -DNNG_ENABLE_TLS=ON
    -DNNG_TESTS=OFF -DNNG_TOOLS=OFF -DNNG_ENABLE_NNGCAT=OFF
  BUILD_BYPRODUCTS ${_prefix}/lib/libnng.a)
file(MAKE_DIRECTORY ${_prefix}/include)
add_library(ism_nng_static STATIC IMPORTED GLOBAL)
set_target_properties(ism_nng_static PROPERTIES IMPORTED_LOCATION ${_prefix}/lib/libnng.a)
add_dependencies(ism_nng_static nng_patched)
add_library(ism_nng INTERFACE)
target_include_directories(ism_nng BEFORE INTERFACE ${_prefix}/include)
target_link_libraries(ism_nng INTERFACE ism_nng_static ${ISM_MBEDTLS_LIB} ${ISM_MBEDX509_LIB}
  ${ISM_MBEDCRYPTO_LIB} Threads::Threads)
add_dependencies(ism_nng nng_patched)
target_compile_definitions(ism_nng INTERFACE ISM_NNG_PIPE_SET_SIZE=1)
