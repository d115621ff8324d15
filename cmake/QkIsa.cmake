# Per-ISA kernel sources: each kernels/<isa>/sources.cmake sets QK_<ISA>_SOURCES; they are compiled
# into the one static library with that ISA's flags only (nothing ISA-specific in shared headers).
set(QK_X86 OFF)
set(QK_ARM64 OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(QK_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(QK_ARM64 ON)
endif()

option(QK_ENABLE_AVX2 "Build the AVX2 kernels" ${QK_X86})
option(QK_ENABLE_AVX512VNNI "Build the AVX-512 VNNI kernels" ${QK_X86})
option(QK_ENABLE_NEON "Build the NEON kernels" ${QK_ARM64})
option(QK_ENABLE_NEONDOT "Build the NEON dotprod kernels" ${QK_ARM64})
option(QK_ENABLE_I8MM "Build the NEON i8mm kernels" ${QK_ARM64})

set(QK_FLAGS_AVX2 -mavx2 -mfma)
set(QK_FLAGS_AVX512VNNI -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni)
set(QK_FLAGS_NEON -march=armv8-a)
set(QK_FLAGS_NEONDOT -march=armv8.2-a+dotprod)
set(QK_FLAGS_I8MM -march=armv8.6-a+dotprod+i8mm)

# Verification build for hosts without AVX-512 (its own preset, avx512-emulated): the avx512vnni
# sources are compiled WITHOUT -mavx512* against SIMD Everywhere (libsimde-dev), with the few
# intrinsics it lacks from tests/emulation/simde_avx512_gaps.h, and the dispatcher reports
# avx512vnni as available but emulated (IsaEmulated). It checks exactness only, never speed; a
# normal build never enables it.
option(QK_EMULATE_AVX512 "Run the avx512vnni kernels through SIMDe (verification only)" OFF)
if(QK_EMULATE_AVX512)
  if(NOT QK_X86)
    message(FATAL_ERROR "QK_EMULATE_AVX512 needs an x86-64 host with AVX2 and FMA")
  endif()
  find_path(QK_SIMDE_INCLUDE_DIR simde/x86/avx512.h)
  if(NOT QK_SIMDE_INCLUDE_DIR)
    message(FATAL_ERROR "QK_EMULATE_AVX512: simde/x86/avx512.h not found (apt install libsimde-dev)")
  endif()
  # -Wno-psabi: GCC's note on passing 64-byte vectors by value, harmless inside one build.
  # -O2: the emulated kernels compile about twice as fast as at -O3 (speed is not measured here).
  set(QK_FLAGS_AVX512VNNI -O2 -mavx2 -mfma -Wno-psabi
      -include ${PROJECT_SOURCE_DIR}/tests/emulation/simde_avx512_gaps.h)
endif()

function(qk_add_isa_kernels target)
  foreach(isa AVX2 AVX512VNNI NEON NEONDOT I8MM)
    string(TOLOWER ${isa} dir)
    set(list_file ${PROJECT_SOURCE_DIR}/kernels/${dir}/sources.cmake)
    if(QK_ENABLE_${isa} AND EXISTS ${list_file})
      set(QK_${isa}_SOURCES "")
      include(${list_file})
      if(QK_${isa}_SOURCES)
        list(TRANSFORM QK_${isa}_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/kernels/${dir}/)
        target_sources(${target} PRIVATE ${QK_${isa}_SOURCES})
        # The ISA's table (<isa>_table.cc) runs on every CPU while the kernel table is built, so
        # it gets the baseline flags: with the ISA's, GCC copied its rows with AVX-512 stores
        # (SIGILL on an AVX2-only CPU). It only names functions and driver rows; no intrinsics.
        set(flagged ${QK_${isa}_SOURCES})
        list(FILTER flagged EXCLUDE REGEX "_table\\.cc$")
        set_source_files_properties(${flagged} PROPERTIES COMPILE_OPTIONS "${QK_FLAGS_${isa}}")
        target_compile_definitions(${target} PRIVATE QK_HAVE_${isa}=1)
        if(isa STREQUAL "AVX512VNNI" AND QK_EMULATE_AVX512)
          target_compile_definitions(${target} PRIVATE QK_EMULATE_AVX512VNNI=1)
          message(STATUS "qkernels: avx512vnni kernels EMULATED by SIMDe (exactness only)")
        endif()
        message(STATUS "qkernels: ${dir} kernels enabled")
      endif()
    endif()
  endforeach()
endfunction()
