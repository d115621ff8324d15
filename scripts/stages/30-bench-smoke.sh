#!/usr/bin/env bash
# Smoke test of the benchmark tooling (not a timing run): bench/report --quick on a few workloads
# with the release build's qk-bench, then checks that the JSON, table and chart exist, that every
# implementation produced a number, and that oneDNN ran on one thread.
set -euo pipefail
bench="${QK_BENCH:-build/release/bin/qk-bench}"  # QK_BENCH: another build's qk-bench
if [ ! -x "$bench" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release -j2 --target qk-bench
fi
out="${QK_BENCH_SMOKE_OUT:-build/bench-smoke}"
rm -rf "$out"
bench/report "$bench" --quick --out-dir "$out" \
  --filter '^(gemm/64x64x64|conv/c1|dwconv/d2)/|^peak/|^pack/c1/' | tee "$out.log"
for f in qk-bench.json report.md gops.png; do
  test -s "$out/$f" || { echo "30-bench-smoke: $out/$f missing" >&2; exit 1; }
done
# A missing cell is printed as an em dash (gemmlowp has no depthwise: d2 is not checked).
if grep -E '^\| (gemm/64x64x64|conv/c1) ' "$out.log" | grep -q '—'; then
  echo "30-bench-smoke: an implementation produced no result" >&2
  exit 1
fi
# (outputs are captured first: grep -q closing the pipe early would fail the pipeline)
tests=$("$bench" --benchmark_list_tests)
if grep -q '/onednn$' <<<"$tests"; then
  verbose=$(ONEDNN_VERBOSE=1 "$bench" --benchmark_filter='^conv/c1/onednn$' \
            --benchmark_min_time=0.001 2>/dev/null)
  if ! grep -qE 'runtime:OpenMP,nthr:1$' <<<"$verbose"; then
    echo "30-bench-smoke: oneDNN did not run on one thread:" >&2
    grep 'nthr' <<<"$verbose" >&2 || true
    exit 1
  fi
fi
# The peers are optional packages: a build without one compiles its benchmarks out. In CI
# (QK_REQUIRE_SHARED=1, where setup-deps.sh installs them) a missing peer is a failure, not a
# smaller table. gemmlowp is built for x86-64 and registered on AVX2 CPUs only.
if [ "${QK_REQUIRE_SHARED:-0}" = 1 ] && [ "$(uname -m)" = x86_64 ]; then
  peers="onednn xnnpack"
  grep -qw avx2 /proc/cpuinfo && peers="$peers gemmlowp"
  for peer in $peers; do
    if ! grep -q "/$peer\$" <<<"$tests"; then
      echo "30-bench-smoke: QK_REQUIRE_SHARED=1 but qk-bench has no $peer benchmarks (its" \
           "package was missing when qk-bench was built)" >&2
      exit 1
    fi
  done
fi
echo "30-bench-smoke: ok"
