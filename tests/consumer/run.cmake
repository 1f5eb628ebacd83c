# Run by ctest (see CMakeLists.txt): install, then build and run consumers both ways.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

# 1. CMake package
run(${CMAKE_COMMAND} -S "${SRC_DIR}/project" -B "${WORK_DIR}/cmake-build"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${C_COMPILER}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/cmake-build")
set(ENV{LD_LIBRARY_PATH} "${prefix}/lib:${prefix}/lib64:$ENV{LD_LIBRARY_PATH}")
run("${WORK_DIR}/cmake-build/consumer_shared")
run("${WORK_DIR}/cmake-build/consumer_static")

# 2. pkg-config (shared, then static with --static)
file(GLOB pcdir "${prefix}/lib*/pkgconfig" "${prefix}/lib/*/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "${pcdir}")
execute_process(COMMAND pkg-config --cflags --libs libbaton OUTPUT_VARIABLE flags
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not know libbaton under ${pcdir}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${C_COMPILER} -std=c11 -Wall -Werror "${SRC_DIR}/main.c" -o "${WORK_DIR}/consumer_pc" ${flags})
run("${WORK_DIR}/consumer_pc")
# From a prefix the dynamic linker does not search, that program starts only with
# LD_LIBRARY_PATH (set above) ...
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH "${WORK_DIR}/consumer_pc"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "consumer_pc started without LD_LIBRARY_PATH or an rpath: is ${prefix} a system "
                      "library directory?")
endif()
message(STATUS "without LD_LIBRARY_PATH or rpath, as documented: ${err}")
# ... or with the rpath line README.md gives: -Wl,-rpath,$(pkg-config --variable=libdir libbaton).
execute_process(COMMAND pkg-config --variable=libdir libbaton OUTPUT_VARIABLE libdir
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${libdir}")
  message(FATAL_ERROR "pkg-config --variable=libdir libbaton gave '${libdir}'")
endif()
run(${C_COMPILER} -std=c11 -Wall -Werror "${SRC_DIR}/main.c" -o "${WORK_DIR}/consumer_pc_rpath" ${flags}
    "-Wl,-rpath,${libdir}")
run(${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH "${WORK_DIR}/consumer_pc_rpath")
execute_process(COMMAND pkg-config --static --cflags --libs libbaton OUTPUT_VARIABLE sflags
                OUTPUT_STRIP_TRAILING_WHITESPACE)
separate_arguments(sflags UNIX_COMMAND "${sflags}")
run(${C_COMPILER} -std=c11 -Wall -Werror "${SRC_DIR}/main.c" -o "${WORK_DIR}/consumer_pc_static"
    -static-libgcc -Wl,-Bstatic -lbaton -Wl,-Bdynamic ${sflags})
run("${WORK_DIR}/consumer_pc_static")

# 3. examples/template, as a connector author builds it: out of tree, find_package(libbaton),
#    warnings as errors. Then a sync into a scratch c1z, read back with the installed `baton`.
run(${CMAKE_COMMAND} -S "${TEMPLATE_DIR}" -B "${WORK_DIR}/template-build"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_C_FLAGS=-Werror")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/template-build")
set(c1z "${WORK_DIR}/template.c1z")
run("${WORK_DIR}/template-build/baton-template" -f "${c1z}" --log-level error)
if(NOT EXISTS "${c1z}")
  message(FATAL_ERROR "baton-template did not write ${c1z}")
endif()
# `baton` prints a table; check the rows the template's data must give.
function(expect what)
  execute_process(COMMAND "${prefix}/bin/baton" -f "${c1z}" -o json ${what}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "baton ${what} failed (${rc}): ${err}")
  endif()
  foreach(needle IN LISTS ARGN)
    string(FIND "${out}" "${needle}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "baton ${what}: no \"${needle}\" in\n${out}")
    endif()
  endforeach()
  message(STATUS "baton ${what}: ok")
endfunction()
expect(resources "alice" "bob" "carol" "admins" "staff")
expect(entitlements "group:admins:member" "group:staff:member")
expect(grants "group:admins:member:user:alice" "group:staff:member:user:carol")

# 4. docs/first-connector.md, step 0: the template's project (CMakeLists.txt with jansson) with
#    examples/hr/connector.c in it builds against the install and syncs hr.json.
if(HR_DIR)
  set(hr_src "${WORK_DIR}/hr-project")
  # the template's own connector.c is left out rather than overwritten: file(COPY) skips a file
  # whose destination has the same timestamp to the second, as two files of one checkout often do
  file(REMOVE_RECURSE "${hr_src}")
  file(COPY "${TEMPLATE_DIR}/" DESTINATION "${hr_src}" PATTERN connector.c EXCLUDE)
  file(COPY "${HR_DIR}/connector.c" DESTINATION "${hr_src}")
  run(${CMAKE_COMMAND} -S "${hr_src}" -B "${WORK_DIR}/hr-build"
      "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_C_FLAGS=-Werror")
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/hr-build")
  set(c1z "${WORK_DIR}/hr.c1z")
  run("${WORK_DIR}/hr-build/baton-template" --hr-file "${HR_DIR}/hr.json" -f "${c1z}" --log-level error)
  expect(stats "\"resources\":\"36\"" "\"grants\":\"89\"")
endif()
