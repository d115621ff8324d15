#!/usr/bin/env bash
# Fuzzing (clang-14 libFuzzer + ASan + UBSan): builds the `fuzz` preset and runs every qk-fuzz-*
# target for QK_FUZZ_SECONDS (default 60) from a copy of its seed corpus, two at a time (2 cores).
# qk-fuzz-tflite is seeded at run time from ../shared/models (never copied into the repository).
# Prints executions/s and total executions per target; any crash, sanitizer report or mismatch
# fails the stage and keeps the reproducer in build/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${QK_FUZZ_SECONDS:-60}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p build/fuzz/artifacts

targets=()
for bin in build/fuzz/bin/qk-fuzz-*; do
  [ -x "$bin" ] || continue
  what=${bin##*/qk-fuzz-}
  mkdir -p "$work/$what"
  if [ -d "tests/fuzz/corpus/$what" ]; then cp tests/fuzz/corpus/"$what"/* "$work/$what"/; fi
  if [ "$what" = tflite ]; then
    # The small models only (libFuzzer's max_len follows the largest seed).
    find ../shared/models -name '*.tflite' -size -64k -exec cp {} "$work/$what"/ \; 2>/dev/null || true
  fi
  targets+=("$what")
done

run_one() {
  local what=$1
  "build/fuzz/bin/qk-fuzz-$what" "$work/$what" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$what-" \
    >"$work/$what.log" 2>&1
}

status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for what in "${targets[@]:i:2}"; do
    run_one "$what" &
    pids+=("$!:$what")
  done
  for entry in "${pids[@]}"; do
    pid=${entry%%:*}
    what=${entry#*:}
    if wait "$pid"; then
      execs=$(grep -m1 'stat::number_of_executed_units' "$work/$what.log" | awk '{print $2}')
      rate=$(grep -m1 'stat::average_exec_per_sec' "$work/$what.log" | awk '{print $2}')
      units=$(ls "$work/$what" | wc -l)
      echo "70-fuzz: qk-fuzz-$what: ${execs:-?} executions in ${seconds} s (${rate:-?}/s), corpus ${units} inputs, no finding"
    else
      echo "70-fuzz: qk-fuzz-$what FAILED; the end of its log:" >&2
      tail -n 60 "$work/$what.log" >&2
      status=1
    fi
  done
done
exit "$status"
