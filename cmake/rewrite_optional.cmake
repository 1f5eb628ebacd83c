# Rewrites proto3 `optional` fields into the single-field oneof that proto3 itself uses to
# represent them ("optional T x = N;" -> "oneof _x { T x = N; }"). Wire format, JSON names and
# field presence are unchanged; protobuf-c 1.4.1 refuses `optional` but handles oneofs.
#
#   cmake -DIN_DIR=<dir> -DOUT_DIR=<dir> -DFILES="a.proto;b.proto" -P rewrite_optional.cmake
foreach(rel IN LISTS FILES)
  file(READ "${IN_DIR}/${rel}" text)
  string(REGEX REPLACE
    "\n([ \t]*)optional[ \t]+([A-Za-z0-9_.]+)[ \t]+([A-Za-z0-9_]+)[ \t]*=[ \t]*([0-9]+)[ \t]*;"
    "\n\\1oneof _\\3 { \\2 \\3 = \\4; }"
    text "${text}")
  if(text MATCHES "\n[ \t]*optional[ \t]")
    # Field options on an optional field ("[deprecated = true]") are not handled: say so loudly.
    message(FATAL_ERROR "${rel}: an `optional` field was left that this rewrite does not understand")
  endif()
  set(out "${OUT_DIR}/${rel}")
  # Only touch the output when it changes, so unchanged schemas do not rebuild everything.
  if(EXISTS "${out}")
    file(READ "${out}" old)
    if(old STREQUAL text)
      continue()
    endif()
  endif()
  file(WRITE "${out}" "${text}")
endforeach()
