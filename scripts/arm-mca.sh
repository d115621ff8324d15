#!/usr/bin/env bash
# The cycle model of the Arm microkernels: cross-compiles each one with the release build's flags
# (from the aarch64 preset), takes its inner loop from the compiler's assembly and runs llvm-mca-16
# on it for cortex-a53/a55/a72/a76 and neoverse-n1/n2/v1. Prints `<kernel> <cpu> <MACs/cycle>`
# (n/a where the core lacks the kernel's ISA). The work is in scripts/arm_mca.py.
#   scripts/arm-mca.sh [regex...]   only the kernels whose names match
#   scripts/arm-mca.sh --markdown   the same numbers as the README's table
#   scripts/arm-mca.sh -v           also each kernel's loop, MACs and cycles per iteration
#   scripts/arm-mca.sh --check      self-test, and the kernels with floors (FLOORS in arm_mca.py:
#                                   the MACs/cycle they must keep), for ctest; it installs nothing and
#                                   prints SKIPPED (exit 0) when a tool it needs is missing
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
for a in "$@"; do [ "$a" = --check ] && check=1; done

if [ "$check" = 1 ]; then
  missing=()
  for tool in llvm-mca-16 aarch64-linux-gnu-g++ c++filt cmake python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  # The aarch64 preset's configure step looks these up (cmake/QkDependencies.cmake).
  for pkg in libxsimd-dev:arm64 libcpuinfo0:arm64; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "SKIPPED: arm-mca --check needs ${missing[*]} (scripts/setup-deps.sh --arm installs them)"
    exit 0
  fi
else
  bash scripts/setup-deps.sh --arm >/dev/null
fi
exec python3 scripts/arm_mca.py "$@"
