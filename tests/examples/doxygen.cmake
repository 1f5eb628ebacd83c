# Builds the API reference (docs/Doxyfile) into OUT_DIR and fails on any warning
# (WARN_AS_ERROR=FAIL_ON_WARNINGS prints every warning, then fails). DOXYGEN is the program.
file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}")
file(READ "${SRC_DIR}/docs/Doxyfile" conf)
file(WRITE "${OUT_DIR}/Doxyfile" "${conf}\nOUTPUT_DIRECTORY = ${OUT_DIR}\n")
execute_process(COMMAND "${DOXYGEN}" "${OUT_DIR}/Doxyfile" WORKING_DIRECTORY "${SRC_DIR}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
  message(FATAL_ERROR "doxygen failed (${rc}):\n${err}")
endif()
message(STATUS "API reference in ${OUT_DIR}/html/index.html")
