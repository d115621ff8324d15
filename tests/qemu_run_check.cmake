# Runs an aarch64 program under qemu for a ctest check (tests/arm_tests.cmake):
#   cmake -DEMULATOR=<qemu> -DTOOL=<exe> -DARGS=<a|b|c> [-DEXPECT_LAST=<regex>]
#         [-DEXPECT_CONTAINS=<regex|regex...>] [-DNEEDS_DIR=<dir>] -P qemu_run_check.cmake
# QEMU_CPU / QEMU_LD_PREFIX come from the environment. The exit status must be 0, the last stdout
# line must match EXPECT_LAST and stdout must match every EXPECT_CONTAINS regex. A missing
# NEEDS_DIR prints QK_SKIP (the test's SKIP_REGULAR_EXPRESSION), or fails when QK_REQUIRE_SHARED=1.
if(DEFINED NEEDS_DIR AND NOT IS_DIRECTORY "${NEEDS_DIR}")
  if("$ENV{QK_REQUIRE_SHARED}" STREQUAL "1")
    message(FATAL_ERROR "QK_REQUIRE_SHARED=1 but ${NEEDS_DIR} does not exist")
  endif()
  message("QK_SKIP: ${NEEDS_DIR} does not exist (../shared absent; set QK_SHARED_DIR)")
  return()
endif()
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${EMULATOR} ${TOOL} ${args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("---- QEMU_CPU=$ENV{QEMU_CPU}\n---- stdout\n${out}---- stderr\n${err}---- exit ${rc}")
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "exit status ${rc}, expected 0")
endif()
string(REGEX REPLACE "\n$" "" trimmed "${out}")
string(REGEX REPLACE ".*\n" "" last "${trimmed}")
if(DEFINED EXPECT_LAST AND NOT last MATCHES "${EXPECT_LAST}")
  message(FATAL_ERROR "last stdout line '${last}' does not match: ${EXPECT_LAST}")
endif()
string(REPLACE "|" ";" wanted "${EXPECT_CONTAINS}")
foreach(regex IN LISTS wanted)
  if(NOT out MATCHES "${regex}")
    message(FATAL_ERROR "stdout does not contain a match for: ${regex}")
  endif()
endforeach()
