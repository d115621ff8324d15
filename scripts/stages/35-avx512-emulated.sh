#!/usr/bin/env bash
# AVX-512 without AVX-512: builds the avx512-emulated preset (the avx512vnni kernels compiled
# against SIMD Everywhere, no -mavx512* flag; cmake/QkIsa.cmake, QK_EMULATE_AVX512) and runs the
# avx512vnni tests and `qk-conformance --isa avx512vnni` over ../shared/conformance there. It
# checks exactness only (SIMDe is not the hardware: nothing here measures speed). Fails when any
# avx512vnni case fails or is skipped, or when the build does not report avx512vnni as emulated.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${QK_SHARED_DIR:-$(cd .. && pwd)/shared}"
bin=build/avx512-emulated/bin
fail() { echo "35-avx512-emulated: FAIL: $*" >&2; exit 1; }

t0=$(date +%s)
cmake --preset avx512-emulated >/dev/null
cmake --build --preset avx512-emulated -j2
t_build=$(( $(date +%s) - t0 ))

t1=$(date +%s)
list=$($bin/qk-conformance --list-isas)
echo "$list" | tr '\n' ' '; echo
echo "$list" | grep -qx 'avx512vnni yes (emulated by SIMDe)' ||
  fail "qk-conformance --list-isas does not report avx512vnni as runnable and emulated"

# Each test binary on its avx512vnni part; any skip fails the stage (a skipped case is not a
# pass): gtest's "[  SKIPPED ]", kernel_sweep's "SKIPPED" and guard_page's "[skipped ]" lines.
run() {
  local name=$1 filter=$2 out
  out=$($bin/$name --gtest_filter="$filter" 2>&1) || { echo "$out" | tail -n 60 >&2; fail "$name"; }
  echo "$out" | grep -E '^\[ (coverage|emulated) \]|^\[  PASSED  \]' | sort -u
  if echo "$out" | grep -qiE 'skipped'; then
    echo "$out" | grep -iE 'skipped' >&2
    fail "$name skipped cases"
  fi
  echo "$out" | grep -qE '^\[  PASSED  \] [1-9]' || fail "$name ran no test"
}
run x86_requantize_test '*'
run requantize_rows_test '*'
run kernel_sweep_test '*avx512vnni*:KernelSweepCoverage.*'
run dispatch_test '*'
run guard_page_test 'AllFamilies/*'

if [ -d "$shared/conformance" ]; then
  out=$($bin/qk-conformance --isa avx512vnni "$shared/conformance") ||
    { echo "$out" | grep -v ' 0 failed' >&2; fail "qk-conformance --isa avx512vnni exited non-zero"; }
  last=$(echo "$out" | tail -n 1)
  echo "qk-conformance --isa avx512vnni (emulated by SIMDe): $last"
  echo "$last" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' || fail "conformance: $last"
  if echo "$out" | grep -E '\]: ' | grep -vq '\[avx512vnni (emulated by SIMDe)\]: '; then
    fail "a conformance line is not labelled as emulated avx512vnni"
  fi
elif [ "${QK_REQUIRE_SHARED:-0}" = 1 ]; then
  fail "$shared/conformance does not exist (QK_REQUIRE_SHARED=1)"
else
  echo "SKIPPED (not passed): $shared/conformance does not exist"
fi
t_checks=$(( $(date +%s) - t1 ))
echo "35-avx512-emulated: build ${t_build}s, emulated checks ${t_checks}s (exactness only)"
