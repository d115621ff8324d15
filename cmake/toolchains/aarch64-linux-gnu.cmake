# Cross-compiling qkernels for aarch64 Linux on a Debian x86-64 host (../shared/PLATFORM.md):
# the aarch64-linux-gnu GCC, the arm64 multiarch libraries, and qemu-aarch64 as the emulator that
# ctest (and gtest discovery) runs every test executable through.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
# arm64 packages that cannot be co-installed with their amd64 twins (libpthreadpool0/-dev) are
# unpacked by `scripts/setup-deps.sh --arm` into this sysroot; the build RPATH then points the
# executables (under qemu too) at its lib directory.
if(DEFINED ENV{QK_ARM64_SYSROOT})
  set(QK_ARM64_SYSROOT "$ENV{QK_ARM64_SYSROOT}")
elseif(NOT QK_ARM64_SYSROOT)
  set(QK_ARM64_SYSROOT /opt/qk-arm64-sysroot)
endif()
if(IS_DIRECTORY "${QK_ARM64_SYSROOT}")
  list(APPEND CMAKE_FIND_ROOT_PATH "${QK_ARM64_SYSROOT}")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# -L: the arm64 dynamic loader and libc live under /usr/aarch64-linux-gnu; the other arm64
# libraries (gtest, cpuinfo, benchmark) come from /usr/lib/aarch64-linux-gnu. -E LD_LIBRARY_PATH:
# libc and libstdc++ from the cross toolchain too, matching its loader. Without it the loader
# finds Debian's libc6:arm64 first (/lib/aarch64-linux-gnu, a different glibc build than the
# cross loader), and the first pthread_create spins forever in the mismatched stack cache.
set(CMAKE_CROSSCOMPILING_EMULATOR
    "qemu-aarch64;-L;/usr/aarch64-linux-gnu;-E;LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib")
