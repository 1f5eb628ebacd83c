# Generates the protobuf-c code for our schema (proto/) and for the well-known types it uses.
# Nothing generated is ever committed: it all lands in ${CMAKE_BINARY_DIR}/gen.
#
# Defines:
#   baton_proto            object library with the generated code and the descriptor registry
#   BATON_PROTO_GEN_DIR    where the generated headers are (private include directory)

find_program(PROTOC_C_EXECUTABLE NAMES protoc-c REQUIRED)
find_path(BATON_WKT_INCLUDE_DIR google/protobuf/any.proto
  PATHS /usr/include /usr/local/include REQUIRED
  DOC "directory holding google/protobuf/*.proto (Debian: libprotobuf-dev)")

set(_proto_root "${PROJECT_SOURCE_DIR}/proto")
file(GLOB_RECURSE _proto_abs CONFIGURE_DEPENDS "${_proto_root}/*.proto")
set(_proto_rel "")
foreach(f IN LISTS _proto_abs)
  file(RELATIVE_PATH r "${_proto_root}" "${f}")
  list(APPEND _proto_rel "${r}")
endforeach()
list(SORT _proto_rel)

set(_wkt_rel
  google/protobuf/any.proto
  google/protobuf/duration.proto
  google/protobuf/empty.proto
  google/protobuf/field_mask.proto
  google/protobuf/struct.proto
  google/protobuf/timestamp.proto
  google/protobuf/wrappers.proto)

set(BATON_PROTO_GEN_DIR "${CMAKE_BINARY_DIR}/gen")
set(_stage "${CMAKE_BINARY_DIR}/proto-stage")

set(_gen_c "")
set(_gen_h "")
set(_gen_h_rel "")
foreach(r IN LISTS _wkt_rel _proto_rel)
  string(REGEX REPLACE "\\.proto$" "" base "${r}")
  list(APPEND _gen_c "${BATON_PROTO_GEN_DIR}/${base}.pb-c.c")
  list(APPEND _gen_h "${BATON_PROTO_GEN_DIR}/${base}.pb-c.h")
  list(APPEND _gen_h_rel "${base}.pb-c.h")
endforeach()
set(_registry "${BATON_PROTO_GEN_DIR}/baton_registry_gen.c")

add_custom_command(
  OUTPUT ${_gen_c} ${_gen_h} ${_registry}
  COMMAND ${CMAKE_COMMAND} -E make_directory "${_stage}" "${BATON_PROTO_GEN_DIR}"
  COMMAND ${CMAKE_COMMAND} "-DIN_DIR=${_proto_root}" "-DOUT_DIR=${_stage}"
          "-DFILES=${_proto_rel}" -P "${PROJECT_SOURCE_DIR}/cmake/rewrite_optional.cmake"
  COMMAND ${PROTOC_C_EXECUTABLE} "--c_out=${BATON_PROTO_GEN_DIR}"
          -I "${_stage}" -I "${BATON_WKT_INCLUDE_DIR}" ${_wkt_rel} ${_proto_rel}
  COMMAND ${CMAKE_COMMAND} "-DGEN_DIR=${BATON_PROTO_GEN_DIR}" "-DHEADERS=${_gen_h_rel}"
          "-DOUT=${_registry}" -P "${PROJECT_SOURCE_DIR}/cmake/gen_registry.cmake"
  DEPENDS ${_proto_abs}
          "${PROJECT_SOURCE_DIR}/cmake/rewrite_optional.cmake"
          "${PROJECT_SOURCE_DIR}/cmake/gen_registry.cmake"
  COMMENT "Generating protobuf-c code for ${CMAKE_PROJECT_NAME} schema"
  VERBATIM)

add_library(baton_proto OBJECT ${_gen_c} ${_registry})
target_include_directories(baton_proto PUBLIC "${BATON_PROTO_GEN_DIR}")
target_link_libraries(baton_proto PUBLIC PkgConfig::PROTOBUF_C)
set_target_properties(baton_proto PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
# Generated code is held to the same warning flags as ours (protoc-c 1.4.1 output is clean).
target_compile_options(baton_proto PRIVATE ${BATON_WARNINGS})
