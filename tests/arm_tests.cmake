# Arm-only tests, included by tests/CMakeLists.txt.
#  - arm_requantize_test: the NEON requantization lane by lane against the scalar one.
#  - In a cross build (ctest runs everything through qemu-aarch64), one process per emulated CPU
#    for each of: qk-conformance --list-isas (the default ISA), qk-conformance --isa all over
#    ../shared/conformance (every level the CPU has, and scalar), and the kernel-table sweep.
#      cortex-a72 -> neon, cortex-a76 -> neondot, max,sve=off -> i8mm (../shared/PLATFORM.md).
if(NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$" OR NOT QK_ENABLE_NEON)
  return()
endif()

qk_add_test(arm_requantize_test arm_requantize_test.cc)

if(NOT CMAKE_CROSSCOMPILING OR NOT CMAKE_CROSSCOMPILING_EMULATOR)
  return()
endif()
# QEMU_CPU picks the emulated CPU; QEMU_LD_PREFIX is the emulator's -L, for the cmake -P driver
# that starts the emulator itself.
list(GET CMAKE_CROSSCOMPILING_EMULATOR 0 qk_qemu)
set(qk_qemu_ld_prefix "")
list(FIND CMAKE_CROSSCOMPILING_EMULATOR "-L" qk_l_index)
if(qk_l_index GREATER -1)
  math(EXPR qk_l_index "${qk_l_index} + 1")
  list(GET CMAKE_CROSSCOMPILING_EMULATOR ${qk_l_index} qk_qemu_ld_prefix)
endif()

foreach(qk_pair "cortex-a72/neon" "cortex-a76/neondot" "max,sve=off/i8mm")
  string(REPLACE "/" ";" qk_pair "${qk_pair}")
  list(GET qk_pair 0 cpu)
  list(GET qk_pair 1 isa)
  # QEMU_SET_ENV: the emulator's -E (the toolchain file says why the cross libc must come first).
  set(env "QEMU_CPU=${cpu}" "QEMU_LD_PREFIX=${qk_qemu_ld_prefix}"
      "QEMU_SET_ENV=LD_LIBRARY_PATH=${qk_qemu_ld_prefix}/lib")
  if(TARGET qk-conformance)
    set(driver ${CMAKE_CURRENT_LIST_DIR}/qemu_run_check.cmake)
    add_test(NAME qemu_${isa}_list_isas
      COMMAND ${CMAKE_COMMAND} -DEMULATOR=${qk_qemu} -DTOOL=$<TARGET_FILE:qk-conformance>
              -DARGS=--list-isas "-DEXPECT_LAST=^default ${isa}$" -P ${driver})
    set_tests_properties(qemu_${isa}_list_isas PROPERTIES ENVIRONMENT "${env}")
    # Every level this CPU has must have run (and passed); the last line is the total.
    set(levels "\\[scalar\\]: [1-9]")
    foreach(level neon neondot i8mm)
      list(APPEND levels "\\[${level}\\]: [1-9]")
      if(level STREQUAL isa)
        break()
      endif()
    endforeach()
    list(JOIN levels "|" levels)
    add_test(NAME qemu_${isa}_conformance
      COMMAND ${CMAKE_COMMAND} -DEMULATOR=${qk_qemu} -DTOOL=$<TARGET_FILE:qk-conformance>
              "-DARGS=--isa|all|${QK_SHARED_DIR}/conformance"
              "-DEXPECT_LAST=^[1-9][0-9]* passed, 0 failed$" "-DEXPECT_CONTAINS=${levels}"
              -DNEEDS_DIR=${QK_SHARED_DIR}/conformance -P ${driver})
    set_tests_properties(qemu_${isa}_conformance PROPERTIES ENVIRONMENT "${env}"
      SKIP_REGULAR_EXPRESSION "QK_SKIP")
  endif()
  # The target's command line already starts with the emulator; one process runs every row.
  add_test(NAME qemu_${isa}_kernel_sweep COMMAND kernel_sweep_test)
  set_tests_properties(qemu_${isa}_kernel_sweep PROPERTIES
    ENVIRONMENT "QEMU_CPU=${cpu};QK_SHARED_DIR=${QK_SHARED_DIR}")
endforeach()
