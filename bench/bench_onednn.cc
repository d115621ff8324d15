// qk-bench peer: oneDNN 2.x (Debian libdnnl-dev), <op>/<workload>/onednn.
//
// int8 matmul (GEMMs) and convolution (conv, and depthwise as a grouped convolution with one
// channel per group): s8 source and weights, s32 bias, per-output-channel float output scales
// (oneDNN requantizes in float, so it is not bit-exact with TFLite), s8 destination in NHWC, the
// same zero points as our kernels (attribute zero points on source and destination). Weights are
// reordered to the primitive's preferred layout and the primitive is created outside the timed
// loop. Debian builds oneDNN with the OpenMP runtime: one thread is forced with
// omp_set_num_threads(1) before any primitive exists (oneDNN reads omp_get_max_threads() of the
// calling thread); `ONEDNN_VERBOSE=1 qk-bench ...` prints "nthr:1" and the implementation. The
// .../onednn/t2 rows set omp_set_num_threads(2) around their primitive's creation and runs (and
// back to 1 after); their GOPS come from wall-clock time.
#include <omp.h>

#include <memory>
#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "bench/workloads.h"

namespace qkbench {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

struct OneDnnOp {
  dnnl::primitive prim;
  std::string impl;
  std::unordered_map<int, memory> args;
  memory src, dst;
};

dnnl::primitive_attr MakeAttr(const WorkloadData& d) {
  dnnl::primitive_attr attr;
  attr.set_output_scales(/*mask=*/1 << 1, std::vector<float>(d.quant.scale));  // per channel
  attr.set_zero_points(DNNL_ARG_SRC, /*mask=*/0, {d.quant.input_zero_point});
  attr.set_zero_points(DNNL_ARG_DST, /*mask=*/0, {d.quant.output_zero_point});
  return attr;
}

// Builds the primitive for `w`; weights are converted from TFLite's layout by a oneDNN reorder.
std::unique_ptr<OneDnnOp> Create(const Workload& w, WorkloadData& d) {
  dnnl::engine& eng = Engine();
  dnnl::stream strm(eng);
  auto op = std::make_unique<OneDnnOp>();
  const dnnl::primitive_attr attr = MakeAttr(d);
  const memory::dim n = w.GemmN();
  memory::desc src_md, dst_md, user_wei_md;
  memory::desc bias_md({n}, dt::s32, tag::x);
  memory::desc wei_pd_md;
  if (w.op == OpType::kGemm) {
    const memory::dim m = w.GemmM(), k = w.GemmK();
    src_md = memory::desc({m, k}, dt::s8, tag::ab);
    dst_md = memory::desc({m, n}, dt::s8, tag::ab);
    user_wei_md = memory::desc({k, n}, dt::s8, tag::ba);  // our filter is N x K
    bias_md = memory::desc({1, n}, dt::s32, tag::ab);
    dnnl::matmul::desc desc(src_md, memory::desc({k, n}, dt::s8, tag::any), bias_md, dst_md);
    dnnl::matmul::primitive_desc pd(desc, attr, eng);
    op->prim = dnnl::matmul(pd);
    op->impl = pd.impl_info_str();
    wei_pd_md = pd.weights_desc();
  } else {
    src_md = memory::desc({1, w.in_c, w.in_h, w.in_w}, dt::s8, tag::nhwc);
    dst_md = memory::desc({1, n, w.out_h, w.out_w}, dt::s8, tag::nhwc);
    memory::desc any_wei;
    if (w.op == OpType::kDwConv) {  // TFLite 1,KH,KW,C == oneDNN goihw dims with hwigo layout
      user_wei_md = memory::desc({n, 1, 1, w.kernel, w.kernel}, dt::s8, tag::hwigo);
      any_wei = memory::desc({n, 1, 1, w.kernel, w.kernel}, dt::s8, tag::any);
    } else {  // TFLite O,KH,KW,I == oneDNN oihw dims with ohwi layout
      user_wei_md = memory::desc({n, w.in_c, w.kernel, w.kernel}, dt::s8, tag::ohwi);
      any_wei = memory::desc({n, w.in_c, w.kernel, w.kernel}, dt::s8, tag::any);
    }
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, any_wei,
        bias_md, dst_md, {w.stride, w.stride}, {w.pad_top, w.pad_left},
        {w.pad_bottom, w.pad_right});
    dnnl::convolution_forward::primitive_desc pd(desc, attr, eng);
    op->prim = dnnl::convolution_forward(pd);
    op->impl = pd.impl_info_str();
    wei_pd_md = pd.weights_desc();
  }
  memory user_wei(user_wei_md, eng, d.filter.data());
  memory wei(wei_pd_md, eng);
  dnnl::reorder(user_wei, wei).execute(strm, user_wei, wei);
  strm.wait();
  op->src = memory(src_md, eng, d.input.data());
  op->dst = memory(dst_md, eng);
  op->args = {{DNNL_ARG_SRC, op->src},
              {DNNL_ARG_WEIGHTS, wei},
              {DNNL_ARG_BIAS, memory(bias_md, eng, d.bias.data())},
              {DNNL_ARG_DST, op->dst}};
  return op;
}

// OpenMP threads for the duration of one benchmark (oneDNN's primitives read the count when
// created and when executed).
struct OmpThreads {
  explicit OmpThreads(int n) { omp_set_num_threads(n); }
  ~OmpThreads() { omp_set_num_threads(1); }
};

void BM_OneDnn(benchmark::State& state, const Workload* w, int threads) {
  const OmpThreads omp(threads);
  WorkloadData d = MakeData(*w);  // must outlive the op: src and bias memories wrap its buffers
  std::unique_ptr<OneDnnOp> op;
  try {
    op = Create(*w, d);
  } catch (const dnnl::error& e) {
    state.SkipWithError((std::string("oneDNN: ") + e.what()).c_str());
    return;
  }
  dnnl::stream strm(Engine());
  op->prim.execute(strm, op->args);  // untimed warm-up, and a check that it is our problem
  strm.wait();
  const int8_t* out = static_cast<const int8_t*>(op->dst.get_data_handle());
  double differ = 0;
  const std::string mismatch = CheckAgainstQkernels(
      *w, d, std::vector<int8_t>(out, out + w->OutputElements()), /*tolerance=*/1, &differ);
  if (!mismatch.empty()) {
    state.SkipWithError(("oneDNN: " + mismatch).c_str());
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    op->prim.execute(strm, op->args);
    strm.wait();
    benchmark::DoNotOptimize(op->dst.get_data_handle());
    benchmark::ClobberMemory();
  }
  if (threads > 1) {
    SetWallGops(state, *w, SecondsSince(start));
  } else {
    SetGops(state, *w);
  }
  state.SetLabel(op->impl + DifferLabel(differ));
}

}  // namespace

void InitOneDnnSingleThread() { omp_set_num_threads(1); }

std::string OneDnnVersion() {
  const dnnl_version_t* v = dnnl::version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (threads: " + std::to_string(omp_get_max_threads()) + ")";
}

void RegisterOneDnn(const Workload& w) {
  benchmark::RegisterBenchmark((w.FullName() + "/onednn").c_str(), BM_OneDnn, &w, 1)
      ->Unit(benchmark::kMicrosecond);
}

void RegisterOneDnnThreads(const Workload& w, int threads) {
  benchmark::RegisterBenchmark((w.FullName() + "/onednn/t" + std::to_string(threads)).c_str(),
                               BM_OneDnn, &w, threads)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace qkbench
