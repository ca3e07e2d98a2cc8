# nng.cmake — the nng the project links: Debian 12's nng 1.5.2 source package, pinned by SHA-256,
# with Debian's patch series and deploy/nng/listener-survives-handshake-hangup.patch (the fix of
# upstream issue #1518: a peer that hangs up during the SP handshake made a listener stop
# accepting for good — one local client could stop the admin socket) and
# deploy/nng/per-pipe-receive-limit.patch (nng_pipe_set_size(pipe, NNG_OPT_RECVMAXSZ): a receive
# limit per connection, so a peer that has not yet sent a valid token is held to a small one —
# ISM_NNG_PIPE_SET_SIZE tells the code it is there) and
# deploy/nng/close-completes-queued-transfers.patch (a connection closed while its transport
# was between two parts of a message left the protocol's transfer queued for good, and
# nng_close hung; tests/unit/test_nng_close.c) and
# deploy/nng/send-on-stopped-aio-frees-message.patch (upstream's fix of #1713: a message sent
# on a closing pipe leaked) and deploy/nng/listener-close-frees-pending-pipes.patch (closing a
# listening socket leaked the connections still being set up). Built static, with the TLS
# transport but no TLS engine of its own — the program registers one over OpenSSL
# (service/rpc/tls_openssl.c: TLS 1.3, which Debian 12's Mbed TLS 2.28, nng's default, lacks) —
# once per machine: deploy/nng/build-cached.sh installs it into
# ISM_NNG_CACHE/nng-1.5.2-KEY (KEY: a hash of the sources, patches and compiler) at configure
# time, and every build folder links that. The two tarballs are Debian's source package, put
# into ISM_NNG_CACHE by deploy/nng/fetch-source.sh (apt-get source; install-deps.sh runs it).
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

set(_patches ${CMAKE_CURRENT_LIST_DIR}/listener-survives-handshake-hangup.patch
  ${CMAKE_CURRENT_LIST_DIR}/per-pipe-receive-limit.patch
  ${CMAKE_CURRENT_LIST_DIR}/close-completes-queued-transfers.patch
  ${CMAKE_CURRENT_LIST_DIR}/send-on-stopped-aio-frees-message.patch
  ${CMAKE_CURRENT_LIST_DIR}/listener-close-frees-pending-pipes.patch)
# A changed patch or script re-runs the configure step, which builds the new key's prefix.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_patches}
  ${CMAKE_CURRENT_LIST_DIR}/prepare-source.sh ${CMAKE_CURRENT_LIST_DIR}/build-cached.sh)
execute_process(
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/build-cached.sh ${ISM_NNG_CACHE}
    ${ISM_NNG_CACHE}/${_orig} ${_orig_sha} ${ISM_NNG_CACHE}/${_deb} ${_deb_sha} ${_patches}
  OUTPUT_VARIABLE _prefix OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0 OR NOT EXISTS "${_prefix}/lib/libnng.a")
  message(FATAL_ERROR "building the patched nng failed (deploy/nng/build-cached.sh): see above")
endif()
message(STATUS "nng: the patched 1.5.2 from ${_prefix}")
add_library(ism_nng_static STATIC IMPORTED GLOBAL)
set_target_properties(ism_nng_static PROPERTIES IMPORTED_LOCATION ${_prefix}/lib/libnng.a)
add_library(ism_nng INTERFACE)
target_include_directories(ism_nng BEFORE INTERFACE ${_prefix}/include)
target_link_libraries(ism_nng INTERFACE ism_nng_static Threads::Threads)
target_compile_definitions(ism_nng INTERFACE ISM_NNG_PIPE_SET_SIZE=1)
