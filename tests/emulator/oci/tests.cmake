# tests.cmake — the OCI emulator (ociemu), its one-call client (ocicall) and their tests.
# Included by tests/emulator/tests.cmake; lives in tests/ only.
add_executable(ociemu ${CMAKE_CURRENT_LIST_DIR}/ociemu.c)
target_link_libraries(ociemu PRIVATE emucore ismap)
target_compile_definitions(ociemu PRIVATE
  OCIEMU_DEFAULT_TENANT="${CMAKE_CURRENT_LIST_DIR}/tenants/minato-oci.json")

add_executable(ocicall ${CMAKE_CURRENT_LIST_DIR}/client/ocicall.c)
target_link_libraries(ocicall PRIVATE ismap)

set(OCIEMU_TEST_ENV
  "OCIEMU=$<TARGET_FILE:ociemu>"
  "OCICALL=$<TARGET_FILE:ocicall>"
  "OCIEMU_TENANT=${CMAKE_CURRENT_LIST_DIR}/tenants/minato-oci.json")
foreach(name emulator_oci collect_oci oci_sdk_wire)
  if(TEST sh_${name})
    set_property(TEST sh_${name} APPEND PROPERTY ENVIRONMENT ${OCIEMU_TEST_ENV})
    set_property(TEST sh_${name} APPEND PROPERTY LABELS emulator)
  endif()
endforeach()
