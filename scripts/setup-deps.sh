#!/usr/bin/env bash
# Installs the Debian 12 packages qkernels needs: the build and test dependencies, the optional
# benchmark peers, and (with --arm) the aarch64 cross toolchain, its arm64 libraries and llvm-16
# (llvm-mca-16, for scripts/arm-mca.sh). Idempotent.
# Debian's libpthreadpool0/-dev cannot be installed for amd64 and arm64 at once (not Multi-Arch
# co-installable), so --arm unpacks the arm64 packages, as Debian ships them, into a sysroot
# directory (QK_ARM64_SYSROOT, default /opt/qk-arm64-sysroot) that the aarch64 toolchain file
# searches; the executables find the library there through their build RPATH.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

native=(cmake g++ make pkg-config libxsimd-dev libcpuinfo-dev libgtest-dev libgmock-dev
        libbenchmark-dev libflatbuffers-dev flatbuffers-compiler zlib1g-dev
        libdnnl-dev libxnnpack-dev libpthreadpool-dev libgemmlowp-dev python3 python3-matplotlib
        clang-14 libclang-rt-14-dev qemu-user libsimde-dev)
arm=(g++-aarch64-linux-gnu llvm-16 libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64
     libcpuinfo0:arm64 libxsimd-dev:arm64 zlib1g-dev:arm64 libflatbuffers-dev:arm64)

want_arm=0
for a in "$@"; do [ "$a" = "--arm" ] && want_arm=1; done

missing=()
for p in "${native[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "$want_arm" = 1 ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
    missing+=(__update__)
  fi
  for p in "${arm[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  pkgs=()
  for p in "${missing[@]}"; do [ "$p" != __update__ ] && pkgs+=("$p"); done
  if [ "${#pkgs[@]}" -gt 0 ]; then
    $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
fi
if [ "$want_arm" = 1 ]; then
  sysroot="${QK_ARM64_SYSROOT:-/opt/qk-arm64-sysroot}"
  so="$sysroot/usr/lib/aarch64-linux-gnu/libpthreadpool.so.0"
  if [ ! -e "$so" ] || [ ! -e "$sysroot/usr/include/pthreadpool.h" ]; then
    tmp=$(mktemp -d)
    chmod 777 "$tmp"  # apt downloads as its _apt user
    (cd "$tmp" && apt-get download -qq libpthreadpool0:arm64 libpthreadpool-dev:arm64)
    $SUDO mkdir -p "$sysroot"
    for deb in "$tmp"/*.deb; do $SUDO dpkg -x "$deb" "$sysroot"; done
    rm -rf "$tmp"
  fi
  [ -e "$so" ] || { echo "setup-deps: $so missing after unpacking" >&2; exit 1; }
fi
echo "setup-deps: all packages present"
