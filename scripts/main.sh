#!/usr/bin/env bash
# The main job: install packages, build (release), show the ISAs, run the conformance vectors on
# every ISA this CPU has, and render the benchmark table (bench/report).
# Options: --no-bench (skip the benchmark table), --quick (short benchmark run).
set -euo pipefail
cd "$(dirname "$0")/.."
bench=1
report_args=()
for a in "$@"; do
  case "$a" in
    --no-bench) bench=0 ;;
    --quick) report_args+=(--quick) ;;
  esac
done
bash scripts/setup-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2
bin=build/release/bin
"$bin/qk-conformance" --list-isas
if [ -d ../shared/conformance ]; then
  "$bin/qk-conformance" --isa all ../shared/conformance
else
  echo "../shared/conformance not found: conformance summary skipped"
fi
if [ "$bench" = 1 ]; then
  bench/report "${report_args[@]}" "$bin/qk-bench"
fi
