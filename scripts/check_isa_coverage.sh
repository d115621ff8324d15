#!/usr/bin/env bash
# Fails unless a `qk-conformance --isa all` run (its output on stdin) executed cases on every ISA
# this CPU has and ended with "N passed, 0 failed". The CPU's ISAs come from the kernel's view
# (/proc/cpuinfo flags on x86, the hwcaps on aarch64), not from the library's own detection, so a
# dispatcher that wrongly drops an ISA makes CI fail instead of passing with fewer ISAs.
#   usage: qk-conformance --isa all DIR | scripts/check_isa_coverage.sh [EXTRA_ISA...]
#   QK_CPU_FLAGS="avx2 fma ..." replaces the flags read from /proc/cpuinfo (for the self-test);
#   EXTRA_ISA: ISAs required besides those (e.g. the levels of an emulated Arm CPU).
set -euo pipefail
out=$(cat)
flags="${QK_CPU_FLAGS-$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null | cut -d: -f2)}"
has() { for f in "$@"; do grep -qw -- "$f" <<<"$flags" || return 1; done; }
want="scalar"
case "${QK_CPU_ARCH:-$(uname -m)}" in
  x86_64)
    has avx2 fma && want="$want avx2"
    has avx2 fma avx512f avx512bw avx512vl avx512dq avx512_vnni && want="$want avx512vnni"
    ;;
  aarch64)
    has asimd && want="$want neon"
    has asimd asimddp && want="$want neondot"
    has asimd asimddp i8mm && want="$want i8mm"
    ;;
esac
want=$(tr ' ' '\n' <<<"$want $*" | awk 'NF && !seen[$0]++' | tr '\n' ' ')
status=0
for isa in $want; do
  if ! grep -Eq "\[$isa\]: [1-9][0-9]* passed" <<<"$out"; then
    echo "check_isa_coverage: FAIL: this CPU has $isa, but the conformance run executed no case" \
         "on it" >&2
    status=1
  fi
done
last=$(tail -n 1 <<<"$out")
if ! grep -Eq '^[1-9][0-9]* passed, 0 failed$' <<<"$last"; then
  echo "check_isa_coverage: FAIL: the conformance run ended with '$last'" >&2
  status=1
fi
[ "$status" = 0 ] && echo "check_isa_coverage: ran on every ISA of this CPU: $want"
exit $status
