// qk-bench rows runtime/<op>/<shape>/<impl> for the model runner's portable ops: the scalar
// reference (runtime/ops/pooling.h, add.h, quantize.h) against its xsimd build (ops/simd.h) on
// the same data. Shapes: the shared models' own ops (mnist's MAX_POOL_2D and QUANTIZE, person_
// detect's AVERAGE_POOL_2D) and the larger ones of common image models (MobileNet v1's final
// 7x7 average pool, a ResNet stem's 3x3/2 max pool, a MobileNet v2 residual ADD). Items are
// output elements.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/workloads.h"
#include "qkernels/isa.h"
#include "qkernels/requantize.h"
#include "runtime/ops/add.h"
#include "runtime/ops/pooling.h"
#include "runtime/ops/quantize.h"
#include "runtime/ops/simd.h"

namespace qkbench {
namespace {

using qk::rt::ops::AddParams;
using qk::rt::ops::PoolParams;
using qk::rt::ops::VecOps;

template <typename T>
std::vector<T> Random(size_t n) {
  std::vector<T> v(n);
  uint32_t x = 1;
  for (T& e : v) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    e = T(x >> 24);
  }
  return v;
}

// Square input, VALID padding, square window.
PoolParams Pool(int size, int channels, int filter, int stride) {
  PoolParams p;
  p.in_h = p.in_w = size, p.channels = channels;
  p.filter_h = p.filter_w = filter, p.stride_h = p.stride_w = stride;
  p.out_h = p.out_w = (size - filter + stride) / stride;
  return p;
}

void Register(const std::string& name, size_t items, std::function<void()> run) {
  benchmark::RegisterBenchmark(name.c_str(), [items, run](benchmark::State& state) {
    for (auto _ : state) {
      run();
      benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(int64_t(items) * state.iterations());
  })->Unit(benchmark::kMicrosecond);
}

void RegisterPool(const VecOps* vec, const char* shape, const PoolParams& p, bool average) {
  auto in = std::make_shared<std::vector<int8_t>>(
      Random<int8_t>(size_t(p.in_h) * p.in_w * p.channels));
  const size_t out_n = size_t(p.out_h) * p.out_w * p.channels;
  auto out = std::make_shared<std::vector<int8_t>>(out_n);
  const std::string base = std::string("runtime/") + (average ? "average_pool/" : "max_pool/") +
                           shape + "/";
  Register(base + "scalar", out_n, [p, in, out, average] {
    if (average) qk::rt::ops::AveragePool(p, in->data(), out->data());
    else qk::rt::ops::MaxPool(p, in->data(), out->data());
  });
  if (vec == nullptr) return;
  Register(base + vec->name, out_n, [vec, p, in, out, average] {
    if (average) vec->average_pool_s8(p, in->data(), out->data());
    else vec->max_pool_s8(p, in->data(), out->data());
  });
}

void RegisterAdd(const VecOps* vec, const char* shape, int elements) {
  auto p = std::make_shared<AddParams>();
  std::string error;
  qk::rt::ops::PrepareAddQuantization(0.05f, -3, 0.07f, 5, 0.09f, -1, 20, p.get(), &error);
  qk::rt::ops::PrepareBroadcast({elements}, {elements}, {elements}, p.get(), &error);
  auto a = std::make_shared<std::vector<int8_t>>(Random<int8_t>(size_t(elements)));
  auto b = std::make_shared<std::vector<int8_t>>(Random<int8_t>(size_t(elements) + 7));
  auto out = std::make_shared<std::vector<int8_t>>(size_t(elements));
  const std::string base = std::string("runtime/add/") + shape + "/";
  Register(base + "scalar", size_t(elements), [p, a, b, out] {
    qk::rt::ops::Add(*p, a->data(), b->data(), out->data());
  });
  if (vec == nullptr) return;
  Register(base + vec->name, size_t(elements),
           [vec, p, a, b, out] { vec->add_s8(*p, a->data(), b->data(), out->data()); });
}

// QUANTIZE uint8 -> int8 with the scales and zero points of mnist's input (ratio 1, zero points
// 0 and -128: TFLite's "xor 0x80" case, run through the general arithmetic).
void RegisterQuantize(const VecOps* vec, const char* shape, size_t n) {
  const qk::QuantizedMultiplier m = qk::QuantizeMultiplier(1.0);
  auto in = std::make_shared<std::vector<uint8_t>>(Random<uint8_t>(n));
  auto out = std::make_shared<std::vector<int8_t>>(n);
  const std::string base = std::string("runtime/quantize/") + shape + "/";
  Register(base + "scalar", n, [m, in, out] {
    qk::rt::ops::Requantize(in->data(), in->size(), m.multiplier, m.shift, 0, -128, out->data());
  });
  if (vec == nullptr) return;
  Register(base + vec->name, n, [vec, m, in, out] {
    vec->requantize_u8_s8(in->data(), in->size(), m.multiplier, m.shift, 0, -128, out->data());
  });
}

}  // namespace

void RegisterRuntimeOps() {
  const VecOps* vec = qk::rt::ops::VecOpsFor(qk::Isa::kAuto);
  RegisterPool(vec, "26x26x8_2x2s2", Pool(26, 8, 2, 2), false);      // mnist op 2
  RegisterPool(vec, "112x112x64_3x3s2", Pool(112, 64, 3, 2), false);  // ResNet stem
  RegisterPool(vec, "3x3x256_3x3", Pool(3, 256, 3, 1), true);         // person_detect
  RegisterPool(vec, "7x7x1024_7x7", Pool(7, 1024, 7, 1), true);       // MobileNet v1 1.0
  RegisterQuantize(vec, "28x28x1_u8_s8", 28 * 28);                    // mnist op 0
  RegisterQuantize(vec, "224x224x3_u8_s8", 224 * 224 * 3);
  RegisterAdd(vec, "56x56x24", 56 * 56 * 24);  // MobileNet v2 residual
}

}  // namespace qkbench
