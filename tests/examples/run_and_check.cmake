# Runs PROG -f C1Z ARGS... (ARGS and CHECKS are '|'-separated), then CHECK C1Z CHECKS...
string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "|" ";" checks "${CHECKS}")
file(REMOVE "${C1Z}")
execute_process(COMMAND "${PROG}" -f "${C1Z}" --log-level warn ${args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROG} failed (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND "${CHECK}" "${C1Z}" ${checks} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${out}${err}")
endif()
message(STATUS "${out}")
