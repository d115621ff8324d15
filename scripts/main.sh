#!/usr/bin/env bash
# The main job: install packages, build (release), show the ISAs, run the conformance vectors on
# every ISA this CPU has, and render the benchmark table (bench/report). Prints one line per step
# and the tables; the build's and the benchmark's own output go to log files it names.
# Options: --no-bench (skip the benchmark table), --quick (short benchmark run).
set -euo pipefail
cd "$(dirname "$0")/.."
bench=1
report_args=()
for a in "$@"; do
  case "$a" in
    --no-bench) bench=0 ;;
    --quick) report_args+=(--quick) ;;
    *) echo "usage: scripts/main.sh [--no-bench] [--quick]" >&2; exit 2 ;;
  esac
done
steps=$((bench ? 5 : 4))
step=0
say() { step=$((step + 1)); echo "== [$step/$steps] $*"; }
# Runs a command with its output in a log; on failure, shows the log's end.
logged() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    echo "failed: $*; the end of $log:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

mkdir -p build
say "packages (scripts/setup-deps.sh)"
bash scripts/setup-deps.sh
say "release build (log: build/main-build.log)"
logged build/main-build.log bash -c 'cmake --preset release && cmake --build --preset release -j2'
bin=build/release/bin
say "ISAs compiled in and runnable here"
"$bin/qk-conformance" --list-isas
say "conformance vectors on every ISA this CPU runs"
if [ -d ../shared/conformance ]; then
  "$bin/qk-conformance" --isa all ../shared/conformance
else
  echo "../shared/conformance not found: conformance summary skipped"
fi
if [ "$bench" = 1 ]; then
  say "benchmark table (bench/report; qk-bench's own output: build/bench-report/qk-bench.log)"
  bench/report "${report_args[@]}" "$bin/qk-bench"
fi
