# Dependencies from Debian packages, with the work-arounds ../shared/PLATFORM.md describes.

# cpuinfo: Debian's CMake package config points at a non-existent libclog path, so find the header
# and library directly and make our own imported target (the same file is installed for consumers).
include(${CMAKE_CURRENT_LIST_DIR}/QkFindCpuinfo.cmake)

# pthreadpool: the thread pool ops are split over (qk::ThreadPool); no CMake config in Debian.
include(${CMAKE_CURRENT_LIST_DIR}/QkFindPthreadpool.cmake)

# xsimd is header-only; its CMake target drags in a non-existent -lxtl, so drop its link interface.
find_package(xsimd REQUIRED)
set_target_properties(xsimd PROPERTIES INTERFACE_LINK_LIBRARIES "")

if(QK_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(QK_BUILD_BENCH)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    message(STATUS "qkernels: Google Benchmark not found; qk-bench is not built")
    set(QK_BUILD_BENCH OFF)
  endif()
endif()
