// qk-bench: the workload list, its derived geometry and its random data.
#include "bench/workloads.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

namespace qkbench {
namespace {

Workload Gemm(int m, int n, int k) {
  return Workload{OpType::kGemm,
                  std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k),
                  /*in_h=*/1, /*in_w=*/m, /*in_c=*/k, /*out_c=*/n, /*kernel=*/1, /*stride=*/1,
                  /*same=*/false};
}

Workload Conv(const char* name, int hw, int in_c, int out_c, int kernel, int stride, bool same) {
  return Workload{OpType::kConv, name, hw, hw, in_c, out_c, kernel, stride, same};
}

Workload DwConv(const char* name, int hw, int channels, int kernel, int stride, bool same) {
  return Workload{OpType::kDwConv, name, hw, hw, channels, channels, kernel, stride, same};
}

// TFLite's output size and padding: VALID out = floor((in - k + s) / s); SAME out = ceil(in / s)
// with total padding max((out - 1) * s + k - in, 0), the smaller half at the top/left.
void Resolve(Workload* w) {
  auto one_dim = [&](int in, int* out, int* before, int* after) {
    if (w->same) {
      *out = (in + w->stride - 1) / w->stride;
      const int total = std::max((*out - 1) * w->stride + w->kernel - in, 0);
      *before = total / 2;
      *after = total - total / 2;
    } else {
      *out = (in - w->kernel + w->stride) / w->stride;
      *before = *after = 0;
    }
  };
  one_dim(w->in_h, &w->out_h, &w->pad_top, &w->pad_bottom);
  one_dim(w->in_w, &w->out_w, &w->pad_left, &w->pad_right);
}

std::vector<Workload> BuildWorkloads() {
  std::vector<Workload> list = {
      Gemm(1, 1000, 1024),
      Gemm(64, 64, 64),
      Gemm(256, 256, 256),
      Gemm(1024, 1024, 1024),
      Gemm(3136, 64, 576),
      Gemm(3136, 256, 64),
      Gemm(784, 32, 9),
      Conv("c1", 28, 1, 32, 3, 1, false),
      Conv("c2", 13, 32, 64, 3, 1, false),
      Conv("c3", 56, 64, 64, 3, 1, true),
      Conv("c4", 56, 64, 256, 1, 1, false),
      Conv("c5", 224, 3, 32, 3, 2, true),
      Conv("c6", 96, 1, 8, 3, 2, true),
      Conv("c7", 28, 256, 256, 1, 1, false),
      Conv("c8", 7, 512, 512, 3, 1, true),
      DwConv("d1", 112, 32, 3, 1, true),
      DwConv("d2", 56, 128, 3, 1, true),
  };
  for (Workload& w : list) Resolve(&w);
  return list;
}

std::vector<Workload> BuildVariants() {
  struct Variant {
    const char* twin;
    const char* suffix;
    Workload::Multipliers multipliers;
  };
  const Variant variants[] = {{"d1", "p2", Workload::Multipliers::kPowerOfTwo},
                              {"d2", "p2", Workload::Multipliers::kPowerOfTwo},
                              {"c1", "p2", Workload::Multipliers::kPowerOfTwo},
                              {"d1", "b3", Workload::Multipliers::kSevenBits3}};
  std::vector<Workload> list;
  for (const Variant& v : variants) {
    for (const Workload& w : Workloads()) {
      if (w.name != v.twin) continue;
      Workload copy = w;
      copy.name = w.name + v.suffix;
      copy.twin = w.name;
      copy.multipliers = v.multipliers;
      list.push_back(copy);
    }
  }
  return list;
}

// TFLite's QuantizeMultiplier: real = q * 2^shift with q in [0.5, 1), multiplier = round(q * 2^31).
void QuantizeMultiplier(double real, int32_t* multiplier, int32_t* shift) {
  int exponent = 0;
  const double q = std::frexp(real, &exponent);
  int64_t m = static_cast<int64_t>(std::llround(q * 2147483648.0));
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++exponent;
  }
  *multiplier = static_cast<int32_t>(m);
  *shift = exponent;
}

}  // namespace

const char* Workload::OpName() const {
  switch (op) {
    case OpType::kGemm: return "gemm";
    case OpType::kConv: return "conv";
    case OpType::kDwConv: return "dwconv";
  }
  return "unknown";
}

std::string Workload::Shape() const {
  if (op == OpType::kGemm) {
    return "M=" + std::to_string(GemmM()) + " N=" + std::to_string(GemmN()) +
           " K=" + std::to_string(GemmK());
  }
  std::string s = std::to_string(in_h) + "x" + std::to_string(in_w) + "x" + std::to_string(in_c);
  if (op == OpType::kConv) s += "->" + std::to_string(out_c);
  s += " " + std::to_string(kernel) + "x" + std::to_string(kernel);
  if (stride != 1) s += " s" + std::to_string(stride);
  if (same) s += " same";
  return s;
}

double Workload::Macs() const {
  return double(out_h) * out_w * out_c * GemmK();
}

const std::vector<Workload>& Workloads() {
  static const std::vector<Workload> list = BuildWorkloads();
  return list;
}

const std::vector<Workload>& MultiplierVariants() {
  static const std::vector<Workload> list = BuildVariants();
  return list;
}

WorkloadData MakeData(const Workload& w) {
  uint32_t seed = 2166136261u;  // FNV-1a of the name: a fixed seed per workload
  const std::string seed_name =
      w.twin.empty() ? w.FullName() : std::string(w.OpName()) + "/" + w.twin;  // twin's data
  for (char ch : seed_name) seed = (seed ^ static_cast<uint8_t>(ch)) * 16777619u;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> int8_dist(-128, 127);
  WorkloadData d;
  d.input.resize(w.InputElements());
  for (int8_t& v : d.input) v = static_cast<int8_t>(int8_dist(rng));
  d.filter.resize(w.FilterElements());
  for (int8_t& v : d.filter) v = static_cast<int8_t>(int8_dist(rng));

  // Uniform int8 values have a standard deviation of about 74, so an accumulator of K products
  // has one of about 5500 * sqrt(K); map that to about 40 output steps, varying per channel.
  const double acc_sigma = 5500.0 * std::sqrt(double(w.GemmK()));
  std::uniform_real_distribution<double> spread(0.5, 1.5);
  std::uniform_int_distribution<int32_t> bias_dist(-static_cast<int32_t>(acc_sigma),
                                                   static_cast<int32_t>(acc_sigma));
  const int n = w.GemmN();
  d.bias.resize(n);
  d.quant.multiplier.resize(n);
  d.quant.shift.resize(n);
  d.quant.scale.resize(n);
  for (int c = 0; c < n; ++c) {
    d.bias[c] = bias_dist(rng);
    QuantizeMultiplier(40.0 / acc_sigma * spread(rng), &d.quant.multiplier[c], &d.quant.shift[c]);
    if (w.multipliers != Workload::Multipliers::kOrdinary) {
      // real = M0 2^(shift-31) with M0 in [2^30, 2^31): the nearest power of two is 2^(shift-1)
      // below 1.5 * 2^30, else 2^shift; written as M0 = 2^30 with the shift that follows.
      if (d.quant.multiplier[c] >= 3 * (1 << 29)) ++d.quant.shift[c];
      d.quant.multiplier[c] =
          w.multipliers == Workload::Multipliers::kPowerOfTwo ? (1 << 30) : 7 * (1 << 28);
    }
    d.quant.scale[c] = static_cast<float>(std::ldexp(double(d.quant.multiplier[c]),
                                                     d.quant.shift[c] - 31));
  }
  return d;
}

void SetGops(benchmark::State& state, const Workload& w) {
  state.counters["GOPS"] =
      benchmark::Counter(2.0 * w.Macs() / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void SetWallGops(benchmark::State& state, const Workload& w, double seconds) {
  state.counters["GOPS"] = 2.0 * w.Macs() * double(state.iterations()) / 1e9 / seconds;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace qkbench
