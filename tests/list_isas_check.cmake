# Runs `COMMAND --list-isas` and checks that its last line is `default EXPECTED`.
execute_process(COMMAND ${COMMAND} --list-isas RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--list-isas exited with ${rc}")
endif()
if(NOT out MATCHES "(^|\n)default ${EXPECTED}\n?$")
  message(FATAL_ERROR "expected `default ${EXPECTED}`")
endif()
