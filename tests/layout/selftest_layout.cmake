# check_layout.cmake must fail on each kind of violation and pass a clean tree: builds small
# source trees (and objects, with the C compiler) under WORK_DIR and runs the check on each.
# cmake -DCHECK=<check_layout.cmake> -DWORK_DIR=<dir> -DCC=<c compiler> -DNM=<nm> -P selftest_layout.cmake
cmake_minimum_required(VERSION 3.20)
foreach(v CHECK WORK_DIR CC NM)
  if(NOT ${v})
    message(FATAL_ERROR "selftest_layout: ${v} not set")
  endif()
endforeach()

set(_failures "")
set(_case 0)

# run_case(<name> <expect: pass|fail> <message regex or ""> <extra -D args...>)
function(run_case name expect regex)
  execute_process(COMMAND "${CMAKE_COMMAND}" "-DSRC_DIR=${WORK_DIR}/${name}/src" ${ARGN} -P "${CHECK}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(expect STREQUAL "pass" AND NOT rc EQUAL 0)
    set(_failures "${_failures}\n${name}: expected to pass, failed:\n${all}" PARENT_SCOPE)
  elseif(expect STREQUAL "fail" AND rc EQUAL 0)
    set(_failures "${_failures}\n${name}: expected to fail, passed:\n${all}" PARENT_SCOPE)
  elseif(expect STREQUAL "fail" AND NOT all MATCHES "${regex}")
    set(_failures "${_failures}\n${name}: failed without naming '${regex}':\n${all}" PARENT_SCOPE)
  else()
    message(STATUS "${name}: ${expect}ed as expected")
  endif()
endfunction()

# A clean tree: src/cli with its headers, src/sync and src/types using only their own layers.
function(clean_tree name)
  set(s "${WORK_DIR}/${name}/src")
  file(REMOVE_RECURSE "${WORK_DIR}/${name}")
  file(WRITE "${s}/cli/cli.h" "int baton__cli_run(void);\n")
  file(WRITE "${s}/cli/modes.h" "int baton__cli_mode(void);\n")
  file(WRITE "${s}/cli/main.c" "#include \"cli/cli.h\"\n#include \"modes.h\"\n#include \"types/types.h\"\nint baton__cli_run(void) { return baton__types_ref(); }\n")
  file(WRITE "${s}/types/types.h" "int baton__types_ref(void);\n")
  file(WRITE "${s}/types/ref.c" "#include \"types/types.h\"\nint baton__types_ref(void) { return 0; }\n")
  file(WRITE "${s}/sync/sync.h" "/* sync; the modes.h of this directory is not the cli's */\n")
  file(WRITE "${s}/sync/modes.h" "int baton__sync_modes(void);\n")
  file(WRITE "${s}/sync/syncer.c" "#include \"sync/sync.h\"\n#include \"modes.h\"\n#include <stdio.h>\n#include \"types/types.h\"\nint baton__sync(void) { return baton__types_ref(); }\n")
  string(REPEAT "x\n" 1000 lines1000)
  file(WRITE "${s}/sync/long.c" "${lines1000}")
endfunction()

clean_tree(clean)
run_case(clean pass "")

clean_tree(too_long)
string(REPEAT "x\n" 1001 lines1001)
file(WRITE "${WORK_DIR}/too_long/src/sync/long.c" "${lines1001}")
run_case(too_long fail "src/sync/long.c: 1001 lines")

clean_tree(long_header)
file(WRITE "${WORK_DIR}/long_header/src/store/big.h" "${lines1001}")
run_case(long_header fail "src/store/big.h: 1001 lines")

clean_tree(lower_limit)
run_case(lower_limit fail "src/sync/long.c: 1000 lines, more than 999" -DMAX_LINES=999)

clean_tree(include_path)
file(APPEND "${WORK_DIR}/include_path/src/sync/syncer.c" "#include \"cli/cli.h\"\n")
run_case(include_path fail "src/sync/syncer.c: includes cli/cli.h")

clean_tree(include_relative)
file(APPEND "${WORK_DIR}/include_relative/src/types/ref.c" "#  include \"../cli/modes.h\"\n")
run_case(include_relative fail "src/types/ref.c: includes ../cli/modes.h")

clean_tree(include_bare)
file(APPEND "${WORK_DIR}/include_bare/src/types/ref.c" "#include <cli.h>\n")
run_case(include_bare fail "src/types/ref.c: includes cli.h")

# Symbols: an object outside cli/ calling a function cli/ defines, with no include to betray it.
function(compile name)
  set(s "${WORK_DIR}/${name}/src")
  set(objs "")
  foreach(f cli/main.c types/ref.c sync/syncer.c)
    string(REPLACE "/" "_" o "${f}")
    get_filename_component(d "${f}" DIRECTORY)
    file(MAKE_DIRECTORY "${WORK_DIR}/${name}/obj/${d}")
    set(obj "${WORK_DIR}/${name}/obj/${f}.o")
    execute_process(COMMAND "${CC}" -c "-I${s}" -o "${obj}" "${s}/${f}" RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "selftest_layout: cannot compile ${f}: ${err}")
    endif()
    list(APPEND objs "${obj}")
  endforeach()
  string(REPLACE ";" "|" objs "${objs}")
  set(OBJS "${objs}" PARENT_SCOPE)
endfunction()

clean_tree(symbols_clean)
compile(symbols_clean)
run_case(symbols_clean pass "" "-DOBJECTS=${OBJS}" "-DNM=${NM}")

clean_tree(symbols_up)
file(WRITE "${WORK_DIR}/symbols_up/src/sync/syncer.c"
     "int baton__cli_run(void);\nint baton__sync(void) { return baton__cli_run(); }\n")
compile(symbols_up)
run_case(symbols_up fail "syncer.c.o: uses baton__cli_run, defined in src/cli" "-DOBJECTS=${OBJS}" "-DNM=${NM}")

if(_failures)
  message(FATAL_ERROR "selftest_layout: check_layout.cmake does not do its job:${_failures}")
endif()
message(STATUS "selftest_layout: every violation caught, clean trees pass")
