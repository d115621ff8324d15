#!/usr/bin/env bash
# Arm under emulation: cross-builds the aarch64 preset, then on three emulated CPUs
#   cortex-a72 (neon), cortex-a76 (neondot), max,sve=off (i8mm)   [../shared/PLATFORM.md]
# checks that `qk-conformance --list-isas` reports that default, that `qk-conformance --isa all`
# over ../shared/conformance passes with "N passed, 0 failed" having run every level the CPU has
# (and scalar), and that the kernel-table sweep passes: one process per CPU. Finally the rest of
# the cross tree's ctest suite runs under qemu. Prints the wall time of the emulated part.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${QK_SHARED_DIR:-$(cd .. && pwd)/shared}"
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
bin=build/aarch64/bin

t0=$(date +%s)
cmake --preset aarch64 >/dev/null
cmake --build --preset aarch64 -j2
t_build=$(( $(date +%s) - t0 ))

fail() { echo "40-arm-qemu: FAIL: $*" >&2; exit 1; }
t1=$(date +%s)
for pair in cortex-a72:neon cortex-a76:neondot max,sve=off:i8mm; do
  cpu=${pair%%:*}
  isa=${pair##*:}
  echo "--- QEMU_CPU=$cpu (expect default $isa)"
  list=$(QEMU_CPU=$cpu "${qemu[@]}" $bin/qk-conformance --list-isas)
  echo "$list" | tr '\n' ' '; echo
  [ "$(echo "$list" | tail -n 1)" = "default $isa" ] || fail "$cpu: default is not $isa"

  if [ -d "$shared/conformance" ]; then
    out=$(QEMU_CPU=$cpu "${qemu[@]}" $bin/qk-conformance --isa all "$shared/conformance") ||
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

  sweep=$(QEMU_CPU=$cpu QK_SHARED_DIR="$shared" "${qemu[@]}" $bin/kernel_sweep_test) ||
    { echo "$sweep" | tail -n 40 >&2; fail "$cpu: kernel_sweep_test failed"; }
  echo "$sweep" | grep -E '^\[ coverage \]|^\[  PASSED  \]'
done
t_checks=$(( $(date +%s) - t1 ))

# Everything else in the cross tree, under qemu's default CPU (max: every level). Left out: the
# qemu_* entries (they repeat the three runs above) and ThreadSafety, whose spinning barriers take
# tens of minutes under qemu-user (it runs natively and under TSan in other stages).
t2=$(date +%s)
rc=0
ctest --preset aarch64 -E '^qemu_|^ThreadSafety\.' || rc=$?
t_ctest=$(( $(date +%s) - t2 ))
echo "40-arm-qemu: cross build ${t_build}s, emulated checks ${t_checks}s, emulated ctest ${t_ctest}s"
exit $rc
