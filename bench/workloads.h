// qk-bench: the 17 workloads of the suite and their random, fixed-seed data, shared by
// our kernels and by every peer so that all implementations see the same shapes and quantization.
#ifndef QKERNELS_BENCH_WORKLOADS_H_
#define QKERNELS_BENCH_WORKLOADS_H_

#include <cstdint>
#include <chrono>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace qkbench {

enum class OpType { kGemm, kConv, kDwConv };

// One workload. A GEMM is M x N x K: A (M x K) times B^T (N x K) -> C (M x N); it is stored as a
// 1 x M image with K channels convolved by a 1x1 filter with N output channels, so that the conv
// fields below describe every workload uniformly (in_h = 1, in_w = M, in_c = K, out_c = N).
struct Workload {
  OpType op;
  std::string name;  // "1024x1024x1024", "c1", "d1": the <workload> part of the benchmark name
  int in_h, in_w, in_c;
  int out_c;  // for depthwise: == in_c (depth multiplier 1)
  int kernel;  // square kernel
  int stride;
  bool same;  // TFLite SAME padding, else VALID
  // A multiplier variant (MultiplierVariants): `twin`'s shape and data (same seed), with each
  // channel's multiplier replaced by one with few significant bits.
  enum class Multipliers {
    kOrdinary,
    kPowerOfTwo,  // the real multiplier rounded to the nearest power of two: M0 = 2^30
    kSevenBits3,  // M0 = 7 * 2^28 (three significant bits) with kPowerOfTwo's shift
  };
  Multipliers multipliers = Multipliers::kOrdinary;
  std::string twin = {};  // the ordinary workload's name ("d1"), or "" for an ordinary workload
  // Derived (Init): output size and TFLite's explicit padding.
  int out_h = 0, out_w = 0;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;

  const char* OpName() const;  // "gemm", "conv", "dwconv"
  std::string FullName() const { return std::string(OpName()) + "/" + name; }
  // The shape for labels: "M=1 N=1000 K=1024"; "28x28x1->32 3x3" (+ " s2" for stride 2,
  // " same" for SAME padding); depthwise "112x112x32 3x3 same". qk-bench puts it in its JSON
  // context as "shape:<FullName()>" for bench/report.
  std::string Shape() const;
  // Multiply-accumulates of one run, counting every filter tap (padding included).
  double Macs() const;
  // GEMM view: M = output pixels, N = output channels, K = filter depth per output.
  int GemmM() const { return out_h * out_w; }
  int GemmN() const { return out_c; }
  int GemmK() const { return kernel * kernel * (op == OpType::kDwConv ? 1 : in_c); }
  size_t InputElements() const { return size_t(in_h) * in_w * in_c; }
  size_t OutputElements() const { return size_t(out_h) * out_w * out_c; }
  size_t FilterElements() const { return size_t(GemmN()) * GemmK(); }
};

// The suite, in report order (7 GEMMs, 8 convolutions, 2 depthwise).
const std::vector<Workload>& Workloads();
// Outside the suite (our kernels only): the same shapes and data with multipliers of few
// significant bits, to compare with their twins in one run: dwconv/d1p2, dwconv/d2p2, conv/c1p2
// (kPowerOfTwo) and dwconv/d1b3 (kSevenBits3). Their FullName() is "<op>/<twin><suffix>".
const std::vector<Workload>& MultiplierVariants();

// Quantization shared by every implementation (int8 view). Zero points are nonzero on the input
// and output (as in a TFLite model); weights are symmetric. The per-channel real scale is
// scale[c] = multiplier[c] * 2^(shift[c] - 31), chosen so that outputs spread over the int8 range
// instead of saturating (a benchmark whose outputs are all clamped measures nothing real).
struct Quant {
  int32_t input_zero_point = 3;
  int32_t output_zero_point = -5;
  std::vector<int32_t> multiplier, shift;  // per output channel, TFLite fixed point
  std::vector<float> scale;                // the same, as floats (for float-requantizing peers)
};

// Random data of one workload (fixed seed derived from the name): int8 input in NHWC (or M x K),
// int8 filter in TFLite layout (conv O,KH,KW,I; depthwise 1,KH,KW,C; GEMM N x K), int32 bias.
struct WorkloadData {
  std::vector<int8_t> input;
  std::vector<int8_t> filter;
  std::vector<int32_t> bias;
  Quant quant;
};
WorkloadData MakeData(const Workload& w);

// Our output for `w` (packed for the best ISA, through the public API), to check that a peer
// computes the same problem: CheckAgainstQkernels returns "" when every output is within
// `tolerance` of ours (0 for an exact peer, 1 for float-requantizing ones), else a message.
std::vector<int8_t> QkernelsOutput(const Workload& w, const WorkloadData& d);
// `differ` (optional) receives the fraction of outputs that differ at all.
std::string CheckAgainstQkernels(const Workload& w, const WorkloadData& d,
                                 const std::vector<int8_t>& output, int tolerance,
                                 double* differ = nullptr);
// " (x% of outputs differ from TFLite by 1)" for a label, or "" when `differ` is 0.
std::string DifferLabel(double differ);

// Sets the GOPS counter (2 * MACs per second, in 1e9) and the iteration-invariant byte count.
void SetGops(benchmark::State& state, const Workload& w);
// The GOPS of a multi-threaded row: over the wall-clock seconds its timed loop took (the CPU time
// Google Benchmark measures is the calling thread's, which misses the workers; UseRealTime()
// would rename the row .../real_time).
void SetWallGops(benchmark::State& state, const Workload& w, double seconds);
// Wall-clock seconds since `start` (steady clock).
double SecondsSince(std::chrono::steady_clock::time_point start);

// Registration hooks: main() calls them workload by workload so that the output groups each
// workload's implementations. A peer's file is compiled only when that peer was found.
void RegisterQkernels(const Workload& w);  // <op>/<workload>/<isa>, every supported ISA
void RegisterQkernelsPack(const Workload& w);  // pack/<workload>/<isa>
void RegisterOneDnn(const Workload& w);    // <op>/<workload>/onednn
void RegisterXnnpack(const Workload& w);   // <op>/<workload>/xnnpack
void RegisterGemmlowp(const Workload& w);  // <op>/<workload>/gemmlowp
// The same on `threads` threads (<op>/<workload>/<impl>/t<threads>, wall-clock time): our SIMD
// ISAs on a qk::ThreadPool, oneDNN with that many OpenMP threads, XNNPACK on a pthreadpool.
void RegisterQkernelsThreads(const Workload& w, int threads);
void RegisterOneDnnThreads(const Workload& w, int threads);
void RegisterXnnpackThreads(const Workload& w, int threads);
void RegisterPeaks();                      // peak/<isa>
void RegisterRuntimeOps();  // runtime/<op>/<shape>/<impl>: the model runner's scalar vs xsimd ops
void RegisterRequantize();  // requantize/3136x64/<isa>: RequantizeInt32ToInt8

// Peer set-up and descriptions for the benchmark context (only defined when the peer is built).
void InitOneDnnSingleThread();
std::string OneDnnVersion();
bool InitXnnpack();

}  // namespace qkbench

#endif  // QKERNELS_BENCH_WORKLOADS_H_
