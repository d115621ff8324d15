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
        message(STATUS "qkernels: ${dir} kernels enabled")
      endif()
    endif()
  endforeach()
endfunction()
