#!/usr/bin/env bash
# Arm under emulation: cross-builds the aarch64 preset, then on three emulated CPUs
#   cortex-a72 (neon), cortex-a76 (neondot), max,sve=off (i8mm)   [../shared/PLATFORM.md]
# checks that `qk-conformance --list-isas` reports that default, that `qk-conformance --isa all`
# over ../shared/conformance passes with "N passed, 0 failed" having run every level the CPU has
# (and scalar), and that the kernel-table sweep passes: one process per CPU, with the out-of-order
# tiles (QK_ARM_CORE_CLASS=out-of-order); on cortex-a72 again with the in-order ones. Finally the
# rest of the cross tree's ctest suite runs under qemu, the threaded conformance and model tests
# included: they must run, not skip (the arm64 pthreadpool comes from `setup-deps.sh --arm`).
# Prints the wall time of the emulated part.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${QK_SHARED_DIR:-$(cd .. && pwd)/shared}"
# -E: the cross toolchain's libc with its loader (cmake/toolchains/aarch64-linux-gnu.cmake says why).
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
# pthreadpool's workers sleep between calls instead of spinning: spinning under qemu-user starves
# the thread with the work (core/parallel.cc), about 8x slower threaded tests.
export QK_THREADPOOL_YIELD=1
bin=build/aarch64/bin

t0=$(date +%s)
cmake --preset aarch64 >/dev/null
cmake --build --preset aarch64 -j2
t_build=$(( $(date +%s) - t0 ))

fail() { echo "40-arm-qemu: FAIL: $*" >&2; exit 1; }
grep -Eq '^QK_PTHREADPOOL_LIBRARY:FILEPATH=/' build/aarch64/CMakeCache.txt ||
  fail "the cross build has no arm64 pthreadpool (run scripts/setup-deps.sh --arm)"

# The kernel sweep under one core class: every row passes, and the NEON int8 rows report the
# tile of that class (kernel_sweep_test's "[ pairs ]" lines).
sweep_as() {  # <cpu> <class> <tile>
  local out
  out=$(QEMU_CPU=$1 QK_ARM_CORE_CLASS=$2 QK_SHARED_DIR="$shared" "${qemu[@]}" \
        $bin/kernel_sweep_test) ||
    { echo "$out" | tail -n 40 >&2; fail "$1 ($2): kernel_sweep_test failed"; }
  echo "$out" | grep -E '^\[ coverage \]|^\[ pairs    \]|^\[  PASSED  \]'
  [ "$(echo "$out" | grep -c "^\[ pairs    \].* on the $3 tile")" -ge 4 ] ||
    fail "$1 ($2): the NEON int8 rows did not run the $3 tile"
}

t1=$(date +%s)
for pair in cortex-a72:neon cortex-a76:neondot max,sve=off:i8mm; do
  cpu=${pair%%:*}
  isa=${pair##*:}
  echo "--- QEMU_CPU=$cpu (expect default $isa)"
  list=$(QEMU_CPU=$cpu "${qemu[@]}" $bin/qk-conformance --list-isas)
  echo "$list" | tr '\n' ' '; echo
  [ "$(echo "$list" | tail -n 1)" = "default $isa" ] || fail "$cpu: default is not $isa"

  if [ -d "$shared/conformance" ]; then
    out=$(QEMU_CPU=$cpu QK_ARM_CORE_CLASS=out-of-order "${qemu[@]}" $bin/qk-conformance \
          --isa all "$shared/conformance") ||
      { echo "$out" | grep -v ' 0 failed' >&2; fail "$cpu: qk-conformance exited non-zero"; }
    last=$(echo "$out" | tail -n 1)
    echo "qk-conformance --isa all: $last"
    echo "$last" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' || fail "$cpu: $last"
    # The emulated CPU's features (../shared/PLATFORM.md's table), and every ISA --list-isas
    # reports as runnable, must each have run cases (scripts/check_isa_coverage.sh).
    features="asimd"
    [ "$isa" != neon ] && features="$features asimddp"
    [ "$isa" = i8mm ] && features="$features i8mm"
    runnable=$(echo "$list" | awk '$2 == "yes" { print $1 }' | tr '\n' ' ')
    echo "$out" | QK_CPU_ARCH=aarch64 QK_CPU_FLAGS="$features" \
      bash scripts/check_isa_coverage.sh $runnable || fail "$cpu: an ISA of this CPU did not run"
  elif [ "${QK_REQUIRE_SHARED:-0}" = 1 ]; then
    fail "$shared/conformance does not exist (QK_REQUIRE_SHARED=1)"
  else
    echo "SKIPPED (not passed): $shared/conformance does not exist"
  fi

  sweep_as "$cpu" out-of-order 2x8c16
done

# The in-order tiles (Cortex-A53/A55 class), forced: conformance on neon and the sweep.
echo "--- QEMU_CPU=cortex-a72 QK_ARM_CORE_CLASS=in-order"
if [ -d "$shared/conformance" ]; then
  out=$(QEMU_CPU=cortex-a72 QK_ARM_CORE_CLASS=in-order "${qemu[@]}" $bin/qk-conformance \
        --isa neon "$shared/conformance") ||
    { echo "$out" | grep -v ' 0 failed' >&2; fail "in-order: qk-conformance exited non-zero"; }
  last=$(echo "$out" | tail -n 1)
  echo "qk-conformance --isa neon: $last"
  echo "$last" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' || fail "in-order: $last"
fi
sweep_as cortex-a72 in-order 4x4c16
# ... and no read past the caller's buffers (the in-order loop is hand-written assembly).
guard=$(QEMU_CPU=cortex-a72 QK_ARM_CORE_CLASS=in-order "${qemu[@]}" $bin/guard_page_test) ||
  { echo "$guard" | tail -n 40 >&2; fail "in-order: guard_page_test failed"; }
echo "$guard" | grep -E '^\[  PASSED  \]'

t_checks=$(( $(date +%s) - t1 ))

# Everything else in the cross tree, under qemu's default CPU (max: every level), ThreadSafety
# included (seconds, now that threads start: see the -E above). Left out: the qemu_* entries
# (they repeat the three runs above).
t2=$(date +%s)
rc=0
log=build/aarch64/40-arm-qemu-ctest.log
ctest --preset aarch64 -E '^qemu_' 2>&1 | tee "$log" || rc=1
t_ctest=$(( $(date +%s) - t2 ))
# Threads under qemu: the threaded conformance (2/3/4/8 threads) and model (2..8 threads) tests
# must have run; a skip here means the build lost its pthreadpool.
threaded=$(grep -E 'Test +#[0-9]+: .*(ThreadedConformance\.|SharedModelTest\..*_t[2-8] |ThreadSafety\.)' "$log" |
           grep -Ec ' Passed ' || true)
skipped=$(grep -E '\(Skipped\)' "$log" | grep -E 'ThreadedConformance\.|SharedModelTest\.|ThreadSafety\.' ||
          true)
[ -z "$skipped" ] || { echo "$skipped" >&2; fail "threaded tests were skipped"; }
[ "$threaded" -gt 0 ] || fail "no threaded test passed"
echo "40-arm-qemu: $threaded threaded tests passed under qemu, none skipped"
echo "40-arm-qemu: cross build ${t_build}s, emulated checks ${t_checks}s, emulated ctest ${t_ctest}s"
exit $rc
