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
# A missing cell is printed as an em dash (gemmlowp has no depthwise: d2 is not checked), in the
# one-thread table and in the two-thread one. One gap is accepted, on CPUs without VNNI only: there
# oneDNN's int8 convolution sums u8 x s8 pairs with vpmaddubsw, whose int16 sums saturate
# (../shared/PLATFORM.md), so its conv/c1 output is not TFLite's and bench_onednn.cc refuses to
# time a different problem (the report names the error): then only the oneDNN columns of conv/c1
# may be empty.
vnni=0
grep -qE 'avx512_vnni|avx_vnni' /proc/cpuinfo && vnni=1
python3 - "$out.log" "$vnni" <<'PY'
import re, sys
log, vnni = open(sys.argv[1]).read().splitlines(), sys.argv[2] == "1"
onednn_differs = any(l.startswith("- conv/c1/onednn: oneDNN: output differs from qkernels")
                     for l in log)
header, bad = None, []
for line in log:
    if not line.startswith("|"):
        header = None
        continue
    cells = [c.strip() for c in line.strip("|").split("|")]
    if header is None:
        header = cells
        continue
    name = cells[0].split(" ")[0]
    if name not in ("gemm/64x64x64", "conv/c1"):
        continue
    for col, cell in zip(header, cells):
        if cell != "—":
            continue
        if name == "conv/c1" and "onednn" in col and not vnni and onednn_differs:
            print("30-bench-smoke: conv/c1 has no %s column on this CPU without VNNI "
                  "(its output differs; see the report)" % col)
            continue
        bad.append("%s: %s" % (name, col))
if bad:
    sys.exit("30-bench-smoke: an implementation produced no result: " + ", ".join(bad))
PY
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
