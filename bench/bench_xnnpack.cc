// qk-bench peer: XNNPACK (Debian libxnnpack-dev, 2022-02 snapshot), <op>/<workload>/xnnpack.
//
// Every workload runs through xnn_create_convolution2d_nhwc_qc8: int8 activations with zero
// points, int8 weights with per-output-channel scales ("qc8"), int32 bias, float requantization
// (not bit-exact with TFLite). This version's fully connected operator (qs8) has only a
// per-tensor scale, so a GEMM M x N x K runs as a 1x1 convolution over a 1 x M image (the same
// GEMM microkernels); depthwise uses XNN_FLAG_DEPTHWISE_CONVOLUTION with TFLite's 1,KH,KW,C
// filter. Operator creation (weight packing) and setup (indirection buffers) happen outside the
// timed loop. The threadpool argument is NULL: XNNPACK then runs on the calling thread only; the
// .../xnnpack/t2 rows pass a pthreadpool of two threads (GOPS from wall-clock time).
#include <pthreadpool.h>
#include <xnnpack.h>

#include <chrono>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/workloads.h"

namespace qkbench {
namespace {

struct XnnOperator {
  xnn_operator_t op = nullptr;
  ~XnnOperator() {
    if (op != nullptr) xnn_delete_operator(op);
  }
};

xnn_status Create(const Workload& w, const WorkloadData& d, xnn_operator_t* op) {
  const bool dw = w.op == OpType::kDwConv;
  const uint32_t groups = dw ? w.in_c : 1;
  const size_t group_in = dw ? 1 : w.in_c;
  const size_t group_out = dw ? 1 : w.out_c;
  // Effective requantization scale = input_scale * kernel_scale[c] / output_scale.
  return xnn_create_convolution2d_nhwc_qc8(
      w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel, w.kernel, w.stride, w.stride,
      /*dilation=*/1, 1, groups, group_in, group_out, /*input_channel_stride=*/w.in_c,
      /*output_channel_stride=*/w.out_c, static_cast<int8_t>(d.quant.input_zero_point),
      /*input_scale=*/1.0f, d.quant.scale.data(), d.filter.data(), d.bias.data(),
      static_cast<int8_t>(d.quant.output_zero_point), /*output_scale=*/1.0f, -128, 127,
      dw ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0, op);
}

struct Pool {
  pthreadpool_t pool = nullptr;
  explicit Pool(int threads) {
    if (threads > 1) pool = pthreadpool_create(static_cast<size_t>(threads));
  }
  ~Pool() {
    if (pool != nullptr) pthreadpool_destroy(pool);
  }
};

void BM_Xnnpack(benchmark::State& state, const Workload* w, int threads) {
  const Pool pool(threads);
  const WorkloadData d = MakeData(*w);
  std::vector<int8_t> output(w->OutputElements());
  XnnOperator op;
  xnn_status s = Create(*w, d, &op.op);
  if (s == xnn_status_success) {
    s = xnn_setup_convolution2d_nhwc_qc8(op.op, /*batch=*/1, w->in_h, w->in_w, d.input.data(),
                                         output.data(), pool.pool);
  }
  if (s == xnn_status_success) s = xnn_run_operator(op.op, pool.pool);  // untimed warm-up
  if (s != xnn_status_success) {
    state.SkipWithError(("XNNPACK: create/setup/run failed, status " +
                         std::to_string(static_cast<int>(s))).c_str());
    return;
  }
  double differ = 0;
  const std::string mismatch = CheckAgainstQkernels(*w, d, output, /*tolerance=*/1, &differ);
  if (!mismatch.empty()) {
    state.SkipWithError(("XNNPACK: " + mismatch).c_str());
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    xnn_status r = xnn_run_operator(op.op, pool.pool);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  if (threads > 1) {
    SetWallGops(state, *w, SecondsSince(start));
  } else {
    SetGops(state, *w);
  }
  state.SetLabel("convolution2d_nhwc_qc8" + DifferLabel(differ));
}

}  // namespace

bool InitXnnpack() { return xnn_initialize(/*allocator=*/nullptr) == xnn_status_success; }

void RegisterXnnpack(const Workload& w) {
  benchmark::RegisterBenchmark((w.FullName() + "/xnnpack").c_str(), BM_Xnnpack, &w, 1)
      ->Unit(benchmark::kMicrosecond);
}

void RegisterXnnpackThreads(const Workload& w, int threads) {
  benchmark::RegisterBenchmark((w.FullName() + "/xnnpack/t" + std::to_string(threads)).c_str(),
                               BM_Xnnpack, &w, threads)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace qkbench
