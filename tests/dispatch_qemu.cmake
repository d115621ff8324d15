# The dispatcher's choice on CPUs this machine is not: qk-conformance --list-isas under
# qemu-x86_64 must say `default avx2` on `-cpu max` (AVX2, no AVX-512) and `default scalar` on
# `-cpu Nehalem` (no AVX), natively the best ISA the host has, and QK_ISA must override it.
if(CMAKE_CROSSCOMPILING OR NOT QK_X86 OR NOT TARGET qk-conformance)
  return()
endif()
find_program(QK_QEMU_X86_64 qemu-x86_64)
set(_qk_list_isas_check ${CMAKE_CURRENT_SOURCE_DIR}/list_isas_check.cmake)
if(QK_QEMU_X86_64)
  foreach(pair "max;avx2" "Nehalem;scalar")
    list(GET pair 0 cpu)
    list(GET pair 1 expected)
    add_test(NAME dispatch_qemu_x86_${cpu}
      COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${QK_QEMU_X86_64};-cpu;${cpu};$<TARGET_FILE:qk-conformance>"
              -DEXPECTED=${expected} -P ${_qk_list_isas_check})
  endforeach()
else()
  message(STATUS "qkernels: qemu-x86_64 not found; the dispatch tests under emulated CPUs are not built")
endif()
# QK_ISA=scalar is always supported: it must become the default.
add_test(NAME dispatch_env_override
  COMMAND ${CMAKE_COMMAND} -E env QK_ISA=scalar ${CMAKE_COMMAND}
          "-DCOMMAND=$<TARGET_FILE:qk-conformance>" -DEXPECTED=scalar -P ${_qk_list_isas_check})
