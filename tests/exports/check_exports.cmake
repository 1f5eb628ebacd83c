# The shared library must export exactly the functions the public headers declare with BATON_API:
# nothing declared may be missing (an unimplemented function), nothing internal may leak.
#   cmake -DLIB=<libbaton.so> -DINCLUDE_DIR=<include> -DNM=<nm> -P check_exports.cmake
file(GLOB_RECURSE headers "${INCLUDE_DIR}/*.h")
set(declared "")
foreach(h IN LISTS headers)
  file(READ "${h}" text)
  # Join continuation lines, then take the identifier right before the first '(' after BATON_API.
  string(REGEX MATCHALL "\nBATON_API[^;(]*\\(" decls "${text}")
  foreach(d IN LISTS decls)
    string(REGEX REPLACE ".*[^A-Za-z0-9_]([A-Za-z0-9_]+)[ \t\n]*\\($" "\\1" name "${d}")
    list(APPEND declared "${name}")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES declared)
list(SORT declared)

execute_process(COMMAND "${NM}" -D --defined-only "${LIB}" OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
string(REGEX MATCHALL "[0-9a-f]+ [TDRBW] [A-Za-z0-9_]+" rows "${out}")
set(exported "")
foreach(r IN LISTS rows)
  string(REGEX REPLACE ".* ([A-Za-z0-9_]+)$" "\\1" s "${r}")
  if(NOT s MATCHES "^_")
    list(APPEND exported "${s}")
  endif()
endforeach()
list(SORT exported)

set(missing "${declared}")
list(REMOVE_ITEM missing ${exported})
set(extra "${exported}")
list(REMOVE_ITEM extra ${declared})
list(LENGTH declared nd)
list(LENGTH exported ne)
if(missing OR extra)
  message(FATAL_ERROR "export check: ${nd} declared, ${ne} exported\n"
          "declared but not exported (unimplemented?): ${missing}\n"
          "exported but not declared (internal symbol leaking?): ${extra}")
endif()
message(STATUS "export check: ${nd} functions declared and exported")
