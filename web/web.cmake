# web.cmake — embeds the web UI (web/index.html, web/assets/*) into the ismap library at build
# time (web/embed.cmake writes web_assets.c); the HTTP gateway serves it from memory
# (service/rpc/http_static.c). Included by the top-level CMakeLists.txt after the ismap target.
file(GLOB_RECURSE ISM_WEB_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/web/index.html
  ${CMAKE_SOURCE_DIR}/web/assets/*)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/web_assets.c
  COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${CMAKE_SOURCE_DIR}/web -DOUT=${CMAKE_BINARY_DIR}/web_assets.c
    -P ${CMAKE_SOURCE_DIR}/web/embed.cmake
  DEPENDS ${ISM_WEB_FILES} ${CMAKE_SOURCE_DIR}/web/embed.cmake
  COMMENT "Embedding the web UI (web/)")
target_sources(ismap PRIVATE ${CMAKE_BINARY_DIR}/web_assets.c)
set_source_files_properties(${CMAKE_BINARY_DIR}/web_assets.c PROPERTIES
  INCLUDE_DIRECTORIES ${CMAKE_SOURCE_DIR}/service/rpc)
