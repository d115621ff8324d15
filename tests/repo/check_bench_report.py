#!/usr/bin/env python3
"""ctest: bench/report on a synthetic qk-bench JSON (no benchmark runs). A short run can measure
the peak loop slower than a GEMM: here peak/avx512vnni is 100 GOPS while gemm/1024x1024x1024
reaches 134, and "% of peak" must still never exceed 100% (the report then uses 134 as the peak
and says so). Rows are labelled with the shapes from the JSON context, and the report mentions
no issue numbers.  Usage: check_bench_report.py BENCH_REPORT WORK_DIR"""
import json
import os
import re
import subprocess
import sys


def entry(name, gops):
    return {"name": name, "run_name": name, "run_type": "iteration", "GOPS": gops,
            "cpu_time": 10.0, "real_time": 10.0, "time_unit": "us", "iterations": 1}


def main():
    report, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    data = {
        "context": {"date": "synthetic", "qkernels_isas": "avx512vnni avx2 scalar",
                    "shape:gemm/1024x1024x1024": "M=1024 N=1024 K=1024",
                    "shape:conv/c1": "28x28x1->32 3x3"},
        "benchmarks": [entry("gemm/1024x1024x1024/avx512vnni", 134.0),
                       entry("gemm/1024x1024x1024/avx2", 50.0),
                       entry("conv/c1/avx512vnni", 60.0), entry("conv/c1/avx2", 20.0),
                       entry("peak/avx512vnni", 100.0), entry("peak/avx2", 80.0)]}
    path = os.path.join(work, "synthetic.json")
    with open(path, "w") as f:
        json.dump(data, f)
    out = subprocess.run([sys.executable, report, "--from-json", path, "--out-dir", work],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    print(out)
    failures = []
    percents = [int(p) for p in re.findall(r"\| (\d+)% ", out)]
    if not percents or max(percents) > 100:
        failures.append("%% of peak cells %s: none, or one above 100%%" % percents)
    if "| gemm/1024x1024x1024 M=1024 N=1024 K=1024 | 134.0 | 50.0 | 100% | 62% |" not in out:
        failures.append("the GEMM row is not labelled with its shape, or not 100% / 62% of peak")
    if "| conv/c1 28x28x1->32 3x3 |" not in out:
        failures.append("the conv row is not labelled with its shape")
    if "peak/avx512vnni measured 100.0 GOPS" not in out or "uses 134.0" not in out:
        failures.append("the report does not say that it raised the peak to the best observed")
    if re.search(r"issue|#[0-9]", out, re.IGNORECASE):
        failures.append("the report mentions an issue number")
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
