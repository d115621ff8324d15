// The runtime's xsimd ops (runtime/ops/simd.h) against their scalar references (pooling.h,
// add.h, quantize.h and qkernels/requantize.h, which the other runtime_*_test files check against
// TFLite Micro): every byte equal, over ragged lengths and channel counts, broadcasts, every
// shift, and the edge values of the fixed-point arithmetic. Fails when the host should have a
// vector build (x86-64 with AVX2, any aarch64) and none is there.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "qkernels/isa.h"
#include "qkernels/requantize.h"
#include "runtime/ops/add.h"
#include "runtime/ops/pooling.h"
#include "runtime/ops/quantize.h"
#include "runtime/ops/simd.h"
#include "tests/xorshift.h"

namespace qk {
namespace rt {
namespace {

using test::Next;
int Uniform(int lo, int hi) { return lo + int(Next() % uint32_t(hi - lo + 1)); }

// Every vector build this host must run; a missing expected build is a failure, not a skip.
std::vector<const ops::VecOps*> HostVecOps() {
  std::vector<const ops::VecOps*> v;
#if defined(__x86_64__)
  if (IsaSupported(Isa::kAvx2)) {
    EXPECT_NE(ops::VecOpsAvx2(), nullptr) << "x86-64 CPU with AVX2 but no xsimd AVX2 build";
    if (ops::VecOpsAvx2() != nullptr) v.push_back(ops::VecOpsAvx2());
  }
#elif defined(__aarch64__)
  EXPECT_NE(ops::VecOpsNeon(), nullptr) << "aarch64 but no xsimd NEON build";
  if (ops::VecOpsNeon() != nullptr) v.push_back(ops::VecOpsNeon());
#endif
  return v;
}

TEST(RuntimeSimd, ChosenByIsa) {
  EXPECT_EQ(ops::VecOpsFor(Isa::kScalar), nullptr);
#if defined(__x86_64__)
  EXPECT_EQ(ops::VecOpsFor(Isa::kAvx2), IsaSupported(Isa::kAvx2) ? ops::VecOpsAvx2() : nullptr);
#elif defined(__aarch64__)
  for (Isa isa : {Isa::kNeon, Isa::kNeonDot, Isa::kI8mm}) {
    EXPECT_EQ(ops::VecOpsFor(isa), ops::VecOpsNeon()) << IsaName(isa);
  }
#endif
  for (const ops::VecOps* v : HostVecOps()) std::printf("[ vector  ] %s\n", v->name);
}

// Accumulators that hit the edges: the int32 limits, powers of two and their neighbours (the
// rounding ties of every shift), small values.
std::vector<int32_t> EdgeValues() {
  std::vector<int32_t> v = {std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::min() + 1,
                            std::numeric_limits<int32_t>::max(),
                            std::numeric_limits<int32_t>::max() - 1, 0, 1, -1, 2, -2, 3, -3};
  for (int k = 1; k < 31; ++k) {
    const int32_t p = int32_t(1) << k;
    for (int32_t d : {-1, 0, 1}) {
      v.push_back(p + d);
      v.push_back(-p + d);
      v.push_back(p + (p >> 1) + d);  // x.5 at exponent k
      v.push_back(-(p + (p >> 1)) + d);
    }
  }
  for (int i = 0; i < 200; ++i) v.push_back(int32_t(Next()));
  return v;
}

TEST(RuntimeSimd, MultiplyByQuantizedMultiplierEveryShift) {
  const std::vector<int32_t> x = EdgeValues();
  std::vector<int32_t> multipliers = {0, 1, 3, 1 << 30, (1 << 30) + 1, 1518500250,
                                      std::numeric_limits<int32_t>::max(),
                                      std::numeric_limits<int32_t>::max() - 1};
  for (int i = 0; i < 6; ++i) multipliers.push_back(int32_t((1u << 30) | (Next() >> 2)));
  for (const ops::VecOps* v : HostVecOps()) {
    std::vector<int32_t> got(x.size());
    for (int32_t m : multipliers) {
      for (int shift = -31; shift <= 30; ++shift) {
        // An odd length exercises the ragged end as well.
        const size_t n = x.size() - (shift & 1);
        v->multiply_by_quantized_multiplier(x.data(), n, m, shift, got.data());
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(got[i], MultiplyByQuantizedMultiplier(x[i], m, shift))
              << v->name << " x=" << x[i] << " m=" << m << " shift=" << shift;
        }
      }
    }
  }
}

ops::PoolParams RandomPool(int channels) {
  ops::PoolParams p;
  p.batch = Uniform(1, 2);
  p.in_h = Uniform(1, 9), p.in_w = Uniform(1, 9), p.channels = channels;
  p.filter_h = Uniform(1, 4), p.filter_w = Uniform(1, 4);
  p.stride_h = Uniform(1, 3), p.stride_w = Uniform(1, 3);
  const bool same = Next() & 1;
  auto out = [same](int in, int f, int s) { return same ? (in + s - 1) / s : (in + s - f) / s; };
  auto pad = [](int in, int f, int s, int o) { return std::max((o - 1) * s + f - in, 0) / 2; };
  p.out_h = std::max(out(p.in_h, p.filter_h, p.stride_h), 1);
  p.out_w = std::max(out(p.in_w, p.filter_w, p.stride_w), 1);
  p.pad_h = pad(p.in_h, p.filter_h, p.stride_h, p.out_h);
  p.pad_w = pad(p.in_w, p.filter_w, p.stride_w, p.out_w);
  return p;
}

template <typename T>
void FillRandom(std::vector<T>* v, int mode) {
  for (T& x : *v) {
    const T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    x = mode == 0 ? T(Next() >> 24) : mode == 1 ? lo : mode == 2 ? hi : (Next() & 1 ? lo : hi);
  }
}

template <typename T>
void CheckPool(const ops::VecOps* v, int channels, int seed_case) {
  ops::PoolParams p = RandomPool(channels);
  const int32_t lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
  p.act_min = seed_case % 3 == 0 ? lo : Uniform(lo, (lo + hi) / 2);
  p.act_max = seed_case % 3 == 0 ? hi : Uniform(p.act_min, hi);
  std::vector<T> in(size_t(p.batch) * p.in_h * p.in_w * channels);
  FillRandom(&in, seed_case % 4);
  const size_t out_n = size_t(p.batch) * p.out_h * p.out_w * channels;
  std::vector<T> want(out_n, T(7)), got(out_n, T(7));
  ops::MaxPool(p, in.data(), want.data());
  (sizeof(T) == 1 && std::is_signed<T>::value)
      ? v->max_pool_s8(p, (const int8_t*)in.data(), (int8_t*)got.data())
      : v->max_pool_u8(p, (const uint8_t*)in.data(), (uint8_t*)got.data());
  ASSERT_EQ(got, want) << v->name << " max pool, channels " << channels << " case " << seed_case;
  const bool ok_want = ops::AveragePool(p, in.data(), want.data());
  const bool ok_got = std::is_signed<T>::value
                          ? v->average_pool_s8(p, (const int8_t*)in.data(), (int8_t*)got.data())
                          : v->average_pool_u8(p, (const uint8_t*)in.data(), (uint8_t*)got.data());
  ASSERT_EQ(ok_got, ok_want);
  ASSERT_EQ(got, want) << v->name << " average pool, channels " << channels << " case "
                       << seed_case;
}

TEST(RuntimeSimd, PoolingRaggedChannels) {
  for (const ops::VecOps* v : HostVecOps()) {
    for (int channels : {1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100}) {
      for (int c = 0; c < 12; ++c) {
        CheckPool<int8_t>(v, channels, c);
        CheckPool<uint8_t>(v, channels, c);
      }
    }
  }
}

// A window entirely in the padding: both return false at the same pixel.
TEST(RuntimeSimd, AveragePoolEmptyWindow) {
  ops::PoolParams p;
  p.in_h = p.in_w = 2, p.channels = 5, p.out_h = p.out_w = 3, p.pad_h = p.pad_w = 3;
  std::vector<int8_t> in(20, 1), want(45, 0), got(45, 0);
  for (const ops::VecOps* v : HostVecOps()) {
    EXPECT_EQ(v->average_pool_s8(p, in.data(), got.data()),
              ops::AveragePool(p, in.data(), want.data()));
    EXPECT_EQ(got, want);
  }
}

template <typename T>
void CheckAdd(const ops::VecOps* v, const std::vector<int>& a, const std::vector<int>& b,
              const std::vector<int>& out, int c) {
  const int32_t lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
  auto scale = [] { return std::ldexp(1.0f + float(Next() % 1000) / 1000.f, Uniform(-12, 0)); };
  auto zp = [&] { return c % 4 == 0 ? lo : c % 4 == 1 ? hi : Uniform(lo, hi); };
  ops::AddParams p;
  std::string error;
  const float s1 = scale(), s2 = c % 5 == 0 ? s1 * 300.f : scale();
  const float so = std::max(s1, s2) * std::ldexp(1.0f + float(Next() % 1000) / 1000.f, Uniform(-8, 8));
  ASSERT_TRUE(ops::PrepareAddQuantization(s1, zp(), s2, zp(), so, zp(), 20, &p, &error)) << error;
  ASSERT_TRUE(ops::PrepareBroadcast(a, b, out, &p, &error)) << error;
  p.act_min = c % 3 == 0 ? lo : Uniform(lo, (lo + hi) / 2);
  p.act_max = c % 3 == 0 ? hi : Uniform(p.act_min, hi);
  auto count = [](const std::vector<int>& s) {
    size_t n = 1;
    for (int d : s) n *= size_t(d);
    return n;
  };
  std::vector<T> x(count(a)), y(count(b)), want(count(out)), got(count(out));
  FillRandom(&x, c % 4);
  FillRandom(&y, (c / 4) % 4);
  ops::Add(p, x.data(), y.data(), want.data());
  std::is_signed<T>::value
      ? v->add_s8(p, (const int8_t*)x.data(), (const int8_t*)y.data(), (int8_t*)got.data())
      : v->add_u8(p, (const uint8_t*)x.data(), (const uint8_t*)y.data(), (uint8_t*)got.data());
  ASSERT_EQ(got, want) << v->name << " add case " << c << " multipliers " << p.input1_multiplier
                       << "/" << p.input1_shift << " " << p.input2_multiplier << "/"
                       << p.input2_shift << " " << p.output_multiplier << "/" << p.output_shift;
}

TEST(RuntimeSimd, AddRaggedAndBroadcast) {
  using Shape = std::vector<int>;
  struct Case {
    Shape a, b, out;
  };
  std::vector<Case> cases;
  for (int n : {1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 64, 100, 257}) cases.push_back({{n}, {n}, {n}});
  cases.push_back({{2, 3, 5}, {3, 1}, {2, 3, 5}});
  cases.push_back({{1, 17}, {17}, {1, 17}});
  cases.push_back({{4, 1, 9}, {1, 6, 1}, {4, 6, 9}});
  cases.push_back({{1}, {2, 2, 11}, {2, 2, 11}});
  cases.push_back({{3, 19}, {3, 1}, {3, 19}});
  for (const ops::VecOps* v : HostVecOps()) {
    for (const Case& k : cases) {
      for (int c = 0; c < 16; ++c) {
        CheckAdd<int8_t>(v, k.a, k.b, k.out, c);
        CheckAdd<uint8_t>(v, k.a, k.b, k.out, c);
      }
    }
  }
}

template <typename In, typename Out, typename Fn>
void CheckRequantize(const ops::VecOps* v, Fn vec_fn, int c) {
  const size_t n = size_t(Uniform(0, 100));
  std::vector<In> in(n);
  FillRandom(&in, c % 4);
  // Scale ratios from 2^-20 to 2^10 (shifts from -20 to 11), and exactly 1 (zero points that
  // differ by 128 are TFLite's int8 <-> uint8 "xor 0x80" case).
  const double ratio = c % 7 == 0 ? 1.0 : std::ldexp(0.5 + double(Next() % 1000) / 1000.0,
                                                     Uniform(-19, 10));
  const QuantizedMultiplier m = QuantizeMultiplier(ratio);
  const int32_t izp = c % 7 == 0 ? (std::is_signed<In>::value ? 0 : 128)
                                 : Uniform(std::numeric_limits<In>::lowest(),
                                           std::numeric_limits<In>::max());
  const int32_t ozp = c % 7 == 0 ? (std::is_signed<Out>::value ? 0 : 128)
                                 : Uniform(std::numeric_limits<Out>::lowest(),
                                           std::numeric_limits<Out>::max());
  std::vector<Out> want(n), got(n);
  ops::Requantize(in.data(), n, m.multiplier, m.shift, izp, ozp, want.data());
  vec_fn(in.data(), n, m.multiplier, m.shift, izp, ozp, got.data());
  ASSERT_EQ(got, want) << v->name << " requantize case " << c << " m=" << m.multiplier
                       << " shift=" << m.shift;
}

TEST(RuntimeSimd, RequantizeEightBit) {
  for (const ops::VecOps* v : HostVecOps()) {
    for (int c = 0; c < 200; ++c) {
      CheckRequantize<int8_t, int8_t>(v, v->requantize_s8_s8, c);
      CheckRequantize<int8_t, uint8_t>(v, v->requantize_s8_u8, c);
      CheckRequantize<uint8_t, int8_t>(v, v->requantize_u8_s8, c);
      CheckRequantize<uint8_t, uint8_t>(v, v->requantize_u8_u8, c);
    }
  }
}

}  // namespace
}  // namespace rt
}  // namespace qk
