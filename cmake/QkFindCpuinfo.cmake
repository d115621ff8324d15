# Creates the imported target qkernels::cpuinfo (header + shared library), avoiding Debian's broken
# cpuinfo CMake config. Used by the build and by the installed qkernelsConfig.cmake.
if(NOT TARGET qkernels::cpuinfo)
  find_path(QK_CPUINFO_INCLUDE_DIR cpuinfo.h)
  find_library(QK_CPUINFO_LIBRARY NAMES cpuinfo libcpuinfo.so.0)
  if(NOT QK_CPUINFO_INCLUDE_DIR OR NOT QK_CPUINFO_LIBRARY)
    message(FATAL_ERROR "qkernels: cpuinfo not found (install libcpuinfo-dev, or libcpuinfo0:arm64 "
                        "plus the amd64 header when cross-compiling)")
  endif()
  add_library(qkernels::cpuinfo UNKNOWN IMPORTED)
  set_target_properties(qkernels::cpuinfo PROPERTIES
    IMPORTED_LOCATION "${QK_CPUINFO_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${QK_CPUINFO_INCLUDE_DIR}")
endif()
