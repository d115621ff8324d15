#!/usr/bin/env bash
# scripts/check_isa_coverage.sh on made-up conformance outputs: it must pass when every ISA of the
# (pretended) CPU ran, and fail when one did not, when a run failed, or when an extra ISA is absent.
set -uo pipefail
check="$1"
ok_out=$'a.qkv [avx512vnni]: 5 passed, 0 failed (0.1 s)\na.qkv [avx2]: 5 passed, 0 failed (0.1 s)\na.qkv [scalar]: 5 passed, 0 failed (0.1 s)\n15 passed, 0 failed'
no_avx512=$'a.qkv [avx2]: 5 passed, 0 failed (0.1 s)\na.qkv [scalar]: 5 passed, 0 failed (0.1 s)\n10 passed, 0 failed'
failed=$'a.qkv [avx2]: 4 passed, 1 failed (0.1 s)\na.qkv [scalar]: 5 passed, 0 failed (0.1 s)\n9 passed, 1 failed'
arm=$'a.qkv [neondot]: 5 passed, 0 failed (0.1 s)\na.qkv [neon]: 5 passed, 0 failed (0.1 s)\na.qkv [scalar]: 5 passed, 0 failed (0.1 s)\n15 passed, 0 failed'
x86="avx2 fma avx512f avx512bw avx512vl avx512dq avx512_vnni"
errors=0
expect() {  # expect <0|1> <description> <output> <arch> <flags> [extra...]
  local want="$1" what="$2" out="$3" arch="$4" flags="$5"
  shift 5
  echo "$out" | QK_CPU_ARCH="$arch" QK_CPU_FLAGS="$flags" bash "$check" "$@" >/dev/null 2>&1
  local rc=$?
  if { [ "$want" = 0 ] && [ "$rc" != 0 ]; } || { [ "$want" = 1 ] && [ "$rc" = 0 ]; }; then
    echo "FAIL: $what (exit $rc)"
    errors=$((errors + 1))
  else
    echo "ok: $what"
  fi
}
expect 0 "every x86 ISA ran" "$ok_out" x86_64 "$x86"
expect 1 "avx512vnni on the CPU but not run" "$no_avx512" x86_64 "$x86"
expect 0 "an AVX2-only CPU, avx2 and scalar ran" "$no_avx512" x86_64 "avx2 fma"
expect 1 "a failing case" "$failed" x86_64 "avx2 fma"
expect 0 "neon + dotprod CPU" "$arm" aarch64 "asimd asimddp"
expect 1 "i8mm CPU, i8mm not run" "$arm" aarch64 "asimd asimddp i8mm"
expect 1 "runnable ISA (extra argument) not run" "$arm" aarch64 "asimd" i8mm
exit $((errors > 0))
