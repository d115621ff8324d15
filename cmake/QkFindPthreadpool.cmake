# Creates the imported target qkernels::pthreadpool (header + shared library): Debian's
# libpthreadpool-dev ships neither a CMake config nor a pkg-config file. Run(..., pool) and the
# model runner split ops over its threads. Used by the build and by the installed
# qkernelsConfig.cmake. Debian's libpthreadpool0 cannot be installed for two architectures at once:
# the aarch64 toolchain file finds the arm64 one in the sysroot `scripts/setup-deps.sh --arm`
# unpacks; a cross build without it goes on (QK_HAVE_PTHREADPOOL OFF: every Run on one thread).
if(NOT TARGET qkernels::pthreadpool)
  find_path(QK_PTHREADPOOL_INCLUDE_DIR pthreadpool.h)
  find_library(QK_PTHREADPOOL_LIBRARY NAMES pthreadpool libpthreadpool.so.0)
  if(QK_PTHREADPOOL_INCLUDE_DIR AND QK_PTHREADPOOL_LIBRARY)
    find_package(Threads REQUIRED)
    add_library(qkernels::pthreadpool UNKNOWN IMPORTED)
    set_target_properties(qkernels::pthreadpool PROPERTIES
      IMPORTED_LOCATION "${QK_PTHREADPOOL_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${QK_PTHREADPOOL_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
    set(QK_HAVE_PTHREADPOOL ON)
  elseif(CMAKE_CROSSCOMPILING)
    message(WARNING "qkernels: no pthreadpool for the target (run scripts/setup-deps.sh --arm): "
            "ops run on one thread")
    set(QK_HAVE_PTHREADPOOL OFF)
  else()
    message(FATAL_ERROR "qkernels: pthreadpool not found (install libpthreadpool-dev)")
  endif()
endif()
