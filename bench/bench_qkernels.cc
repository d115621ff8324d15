// qk-bench: our kernels through the public API, one benchmark per workload and supported ISA
// (<op>/<workload>/<isa>), the same on a pool of two threads for the SIMD ISAs
// (<op>/<workload>/<isa>/t2, GOPS from wall-clock time), and the cost of packing
// (pack/<workload>/<isa>).
//
// A GEMM M x N x K runs as a 1x1 convolution over a 1 x M image with K channels and N outputs
// (filter N x K): that is the packed-GEMM microkernel path (pointwise convolutions need no im2col).
// A single-row GEMM (M = 1) runs as a fully connected op instead: that is the GEMV kernel, which
// streams the weights once, the fastest path for a memory-bound matrix-vector product.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/workloads.h"
#include "qkernels/isa.h"
#include "qkernels/ops.h"
#include "qkernels/requantize.h"

namespace qkbench {
namespace {

qk::Requantization MakeRequantization(const Workload& w, const Quant& q) {
  qk::Requantization r;
  r.input_zero_point = q.input_zero_point;
  r.output_zero_point = q.output_zero_point;
  r.output_multiplier = q.multiplier.data();
  r.output_shift = q.shift.data();
  r.num_channels = w.GemmN();
  r.activation_min = -128;
  r.activation_max = 127;
  r.rounding = qk::Rounding::kDouble;
  return r;
}

bool UsesFullyConnected(const Workload& w) { return w.op == OpType::kGemm && w.GemmM() == 1; }

// Packs `w` for `isa` through the public API (the same calls a user makes).
qk::Status Pack(const Workload& w, const WorkloadData& d, qk::Isa isa, qk::PackedOp* op) {
  const qk::Requantization quant = MakeRequantization(w, d.quant);
  if (UsesFullyConnected(w)) {
    qk::FullyConnectedParams p;
    p.batch = 1;
    p.input_depth = w.in_c;
    p.output_depth = w.out_c;
    p.quant = quant;
    return qk::PackFullyConnected(p, d.filter.data(), d.bias.data(), op, isa);
  }
  if (w.op == OpType::kDwConv) {
    qk::DepthwiseConv2DParams p;
    p.input_height = w.in_h;
    p.input_width = w.in_w;
    p.input_channels = w.in_c;
    p.kernel_height = p.kernel_width = w.kernel;
    p.stride_height = p.stride_width = w.stride;
    p.padding = w.same ? qk::Padding::kSame : qk::Padding::kValid;
    p.quant = quant;
    return qk::PackDepthwiseConv2D(p, d.filter.data(), d.bias.data(), op, isa);
  }
  qk::Conv2DParams p;  // conv, and GEMMs with M > 1 as a 1x1 convolution
  p.input_height = w.in_h;
  p.input_width = w.in_w;
  p.input_channels = w.in_c;
  p.output_channels = w.out_c;
  p.kernel_height = p.kernel_width = w.kernel;
  p.stride_height = p.stride_width = w.stride;
  p.padding = w.same ? qk::Padding::kSame : qk::Padding::kValid;
  p.quant = quant;
  return qk::PackConv2D(p, d.filter.data(), d.bias.data(), op, isa);
}

// threads > 1: Run() on a qk::ThreadPool of that many threads.
void BM_Run(benchmark::State& state, const Workload* w, qk::Isa isa, int threads) {
  const WorkloadData d = MakeData(*w);
  qk::PackedOp op;
  const qk::Status packed = Pack(*w, d, isa, &op);
  if (!packed.ok()) {
    state.SkipWithError(packed.message().c_str());
    return;
  }
  if (op.output_elements() != w->OutputElements() ||
      (!UsesFullyConnected(*w) && (op.output_height() != w->out_h ||
                                   op.output_width() != w->out_w))) {
    state.SkipWithError("qk-bench: the packed op's output shape differs from the workload's");
    return;
  }
  const qk::ThreadPool owned(threads);
  const qk::ThreadPool* pool = threads > 1 ? &owned : nullptr;
  if (owned.threads() != threads) {
    state.SkipWithError("qk-bench: the thread pool could not start its threads");
    return;
  }
  std::vector<int8_t> output(op.output_elements());
  std::vector<unsigned char> workspace(op.workspace_size(threads));
  void* ws = workspace.empty() ? nullptr : workspace.data();
  // One untimed run: checks the call and warms the caches like a model's steady state.
  const qk::Status first =
      qk::Run(op, d.input.data(), output.data(), ws, workspace.size(), pool);
  if (!first.ok()) {
    state.SkipWithError(first.message().c_str());
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    qk::Status s = qk::Run(op, d.input.data(), output.data(), ws, workspace.size(), pool);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  if (threads > 1) {
    SetWallGops(state, *w, SecondsSince(start));
  } else {
    SetGops(state, *w);
  }
  state.SetLabel(op.kernel_name());
}

void BM_Pack(benchmark::State& state, const Workload* w, qk::Isa isa) {
  const WorkloadData d = MakeData(*w);
  std::string kernel;
  for (auto _ : state) {
    qk::PackedOp op;
    const qk::Status s = Pack(*w, d, isa, &op);
    if (!s.ok()) {
      state.SkipWithError(s.message().c_str());
      break;
    }
    benchmark::DoNotOptimize(op);
    benchmark::ClobberMemory();
    if (kernel.empty()) kernel = op.kernel_name();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kernel);
}

// RequantizeInt32ToInt8 of a rows x channels matrix (what a user with their own convolution
// calls), on `isa` through SetIsaOverride: per-channel multipliers, bias, double rounding, with
// accumulators spread like those of gemm/3136x64x576 (K = 576) so outputs cover the int8 range.
void BM_Requantize(benchmark::State& state, int rows, int channels, qk::Isa isa) {
  if (!qk::SetIsaOverride(isa).ok()) {
    state.SkipWithError("ISA not supported");
    return;
  }
  std::mt19937 rng(3136);
  const double acc_sigma = 5500.0 * std::sqrt(576.0);
  std::normal_distribution<double> acc_dist(0.0, acc_sigma);
  std::uniform_real_distribution<double> spread(0.5, 1.5);
  const size_t n = static_cast<size_t>(channels);
  std::vector<int32_t> acc(static_cast<size_t>(rows) * n), bias(n), mult(n), shift(n);
  for (int32_t& a : acc) a = static_cast<int32_t>(acc_dist(rng));
  for (int c = 0; c < channels; ++c) {
    bias[size_t(c)] = static_cast<int32_t>(acc_dist(rng));
    const qk::QuantizedMultiplier m = qk::QuantizeMultiplier(40.0 / acc_sigma * spread(rng));
    mult[size_t(c)] = m.multiplier;
    shift[size_t(c)] = m.shift;
  }
  qk::Requantization q;
  q.output_zero_point = -5;
  q.output_multiplier = mult.data();
  q.output_shift = shift.data();
  q.num_channels = channels;
  std::vector<int8_t> out(acc.size());
  for (auto _ : state) {
    const qk::Status s =
        qk::RequantizeInt32ToInt8(acc.data(), bias.data(), rows, channels, q, out.data());
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  (void)qk::SetIsaOverride(qk::Isa::kAuto);
  state.counters["Gvalues/s"] = benchmark::Counter(double(acc.size()) / 1e9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

void RegisterRequantize() {
  const int rows = 3136, channels = 64;
  for (qk::Isa isa : qk::SupportedIsas()) {
    const std::string name = "requantize/" + std::to_string(rows) + "x" +
                             std::to_string(channels) + "/" + qk::IsaName(isa);
    benchmark::RegisterBenchmark(name.c_str(), BM_Requantize, rows, channels, isa)
        ->Unit(benchmark::kMicrosecond);
  }
}

std::vector<int8_t> QkernelsOutput(const Workload& w, const WorkloadData& d) {
  qk::PackedOp op;
  std::vector<int8_t> output(w.OutputElements());
  if (!Pack(w, d, qk::Isa::kAuto, &op).ok() || op.output_elements() != output.size() ||
      !qk::Run(op, d.input.data(), output.data()).ok()) {
    return {};
  }
  return output;
}

std::string CheckAgainstQkernels(const Workload& w, const WorkloadData& d,
                                 const std::vector<int8_t>& output, int tolerance,
                                 double* differ) {
  const std::vector<int8_t> ours = QkernelsOutput(w, d);
  if (ours.size() != output.size()) return "qk-bench: cannot compute the qkernels output";
  size_t off = 0, worst_index = 0;
  int worst = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    const int diff = std::abs(int(ours[i]) - int(output[i]));
    if (diff > 0) ++off;
    if (diff > worst) {
      worst = diff;
      worst_index = i;
    }
  }
  if (differ != nullptr) *differ = double(off) / double(ours.size());
  if (worst <= tolerance) return "";
  return "output differs from qkernels by up to " + std::to_string(worst) + " (element " +
         std::to_string(worst_index) + ", " + std::to_string(off) + " of " +
         std::to_string(ours.size()) + " differ): not the same problem";
}

std::string DifferLabel(double differ) {
  if (differ <= 0) return "";
  char text[64];
  std::snprintf(text, sizeof(text), " (%.3g%% of outputs off by 1)", 100.0 * differ);
  return text;
}

void RegisterQkernels(const Workload& w) {
  for (qk::Isa isa : qk::SupportedIsas()) {
    // No MinTime()/Iterations() for the slow scalar reference: Google Benchmark would append
    // "/min_time:..." to the name. Its adaptive loop already stops after a single iteration when
    // one call exceeds the minimum time, which bounds the scalar runs of the big workloads.
    benchmark::RegisterBenchmark((w.FullName() + "/" + qk::IsaName(isa)).c_str(), BM_Run, &w, isa,
                                 1)
        ->Unit(benchmark::kMicrosecond);
  }
}

void RegisterQkernelsThreads(const Workload& w, int threads) {
  for (qk::Isa isa : qk::SupportedIsas()) {
    if (isa == qk::Isa::kScalar) continue;
    const std::string name =
        w.FullName() + "/" + qk::IsaName(isa) + "/t" + std::to_string(threads);
    benchmark::RegisterBenchmark(name.c_str(), BM_Run, &w, isa, threads)
        ->Unit(benchmark::kMicrosecond);
  }
}

void RegisterQkernelsPack(const Workload& w) {
  for (qk::Isa isa : qk::SupportedIsas()) {
    benchmark::RegisterBenchmark(("pack/" + w.name + "/" + qk::IsaName(isa)).c_str(), BM_Pack, &w,
                                 isa)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace qkbench
