// The runtime's scalar operators that the shared models do not exercise (PAD,
// TRANSPOSE, CONCATENATION, average pooling with padding, QUANTIZE/DEQUANTIZE), against vectors
// TFLite Micro's own kernel tests expect exactly, or hand-derived from TFLite's reference
// formulas; and the fixed-point helpers of softmax against gemmlowp's header where installed.
// MEAN and ADD: runtime_mean_test.cc, runtime_add_test.cc.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/ops/data_movement.h"
#include "runtime/ops/fixedpoint.h"
#include "runtime/ops/pooling.h"
#include "runtime/ops/quantize.h"

#if __has_include(<gemmlowp/fixedpoint/fixedpoint.h>)
#include <gemmlowp/fixedpoint/fixedpoint.h>
#define QK_HAVE_GEMMLOWP 1
#endif

namespace qk {
namespace rt {
namespace {

TEST(DataMovement, TransposeConcatenatePad) {
  const std::vector<int8_t> x = {0, 1, 2, 3, 4, 5};  // 2x3
  std::vector<int8_t> t(6);
  ops::Transpose({2, 3}, {1, 0}, 1, x.data(), t.data());
  EXPECT_EQ(t, (std::vector<int8_t>{0, 3, 1, 4, 2, 5}));
  std::vector<int8_t> t3(6);  // 1x2x3 -> 3x1x2 (perm 2,0,1)
  ops::Transpose({1, 2, 3}, {2, 0, 1}, 1, x.data(), t3.data());
  EXPECT_EQ(t3, (std::vector<int8_t>{0, 3, 1, 4, 2, 5}));

  const std::vector<int8_t> y = {9, 8};  // 2x1
  std::vector<int8_t> c(8);
  ops::Concatenate({{2, 3}, {2, 1}}, {x.data(), y.data()}, 1, 1, c.data());
  EXPECT_EQ(c, (std::vector<int8_t>{0, 1, 2, 9, 3, 4, 5, 8}));

  std::vector<int8_t> p(4 * 4);
  const int8_t v = -7;
  ops::Pad({2, 3}, {1, 0}, {1, 1}, 1, &v, x.data(), p.data());
  EXPECT_EQ(p, (std::vector<int8_t>{-7, -7, -7, -7, 0, 1, 2, -7, 3, 4, 5, -7, -7, -7, -7, -7}));
  std::vector<int16_t> wide = {1, 2}, pw(4);
  const int16_t wv = 300;
  ops::Pad({2}, {1}, {1}, 2, &wv, wide.data(), pw.data());
  EXPECT_EQ(pw, (std::vector<int16_t>{300, 1, 2, 300}));
}

TEST(Pooling, AverageExcludesPaddingAndRoundsAwayFromZero) {
  // 1x2x2x1 input, 2x2 filter, stride 1, SAME: out 2x2, pad 0 top/left (total 1 -> 0 / 1).
  ops::PoolParams p;
  p.in_h = p.in_w = 2;
  p.channels = 1;
  p.out_h = p.out_w = 2;
  p.filter_h = p.filter_w = 2;
  const int8_t x[4] = {-3, 0, 0, 0};
  int8_t y[4];
  ASSERT_TRUE(ops::AveragePool(p, x, y));
  // Window (0,0) holds all four taps: (-3 - 2) / 4 = -1. The others hold only taps without x00
  // (padding taps are not counted): 0.
  EXPECT_EQ(std::vector<int8_t>(y, y + 4), (std::vector<int8_t>{-1, 0, 0, 0}));
  const int8_t x2[4] = {-2, 0, 0, 0};  // -2/4: (-2 - 2)/4 = -1 (half away from zero)
  ASSERT_TRUE(ops::AveragePool(p, x2, y));
  EXPECT_EQ(y[0], -1);
  const int8_t x3[4] = {-1, 0, 0, 0};  // -1/4: (-1 - 2)/4 = 0
  ASSERT_TRUE(ops::AveragePool(p, x3, y));
  EXPECT_EQ(y[0], 0);
}

TEST(Quantize, RequantizeAffineDequantize) {
  // uint8 (zp 0) -> int8 (zp -128) at equal scales: the xor-0x80 case.
  const uint8_t u[4] = {0, 1, 128, 255};
  int8_t s[4];
  ops::Requantize(u, 4, int32_t(1) << 30, 1, 0, -128, s);
  EXPECT_EQ(std::vector<int8_t>(s, s + 4), (std::vector<int8_t>{-128, -127, 0, 127}));
  const float f[5] = {-1.f, 0.26f, 0.25f, 100.f, -100.f};
  int8_t q[5];
  ops::AffineQuantize(f, 5, 0.5f, 3, q);  // round(x / 0.5) + 3, clamped
  EXPECT_EQ(std::vector<int8_t>(q, q + 5), (std::vector<int8_t>{1, 4, 4, 127, -128}));
  float d[2];
  const int8_t in[2] = {-128, 127};
  ops::Dequantize(in, 2, 0.5f, -128, d);
  EXPECT_EQ(d[0], 0.f);
  EXPECT_EQ(d[1], 127.5f);
}

#ifdef QK_HAVE_GEMMLOWP
// Our scalar fixed-point functions equal gemmlowp's on a sweep of inputs.
TEST(FixedPoint, MatchesGemmlowp) {
  using F5 = gemmlowp::FixedPoint<int32_t, 5>;
  using F0 = gemmlowp::FixedPoint<int32_t, 0>;
  uint32_t s = 12345;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  };
  for (int i = 0; i < 200000; ++i) {
    int32_t a = -int32_t(next() & 0x7FFFFFFF);
    if (i < 4096) a = -i * 65536;  // a grid including 0 and the Q5.26 integers
    ASSERT_EQ(fixedpoint::ExpOnNegativeValues(a, 5),
              gemmlowp::exp_on_negative_values(F5::FromRaw(a)).raw())
        << a;
    const int32_t b = int32_t(next() & 0x7FFFFFFF);
    ASSERT_EQ(fixedpoint::OneOverOnePlusXForXIn01(b),
              gemmlowp::one_over_one_plus_x_for_x_in_0_1(F0::FromRaw(b)).raw())
        << b;
    const int32_t c = int32_t(next());
    const int exponent = int(next() % 12) - 6;
    ASSERT_EQ(fixedpoint::RoundingHalfSum(b, c), gemmlowp::RoundingHalfSum(b, c));
    if (exponent > 0) {
      int32_t want = 0;
      switch (exponent) {
        case 1: want = gemmlowp::SaturatingRoundingMultiplyByPOT<1>(c); break;
        case 2: want = gemmlowp::SaturatingRoundingMultiplyByPOT<2>(c); break;
        case 3: want = gemmlowp::SaturatingRoundingMultiplyByPOT<3>(c); break;
        case 4: want = gemmlowp::SaturatingRoundingMultiplyByPOT<4>(c); break;
        default: want = gemmlowp::SaturatingRoundingMultiplyByPOT<5>(c); break;
      }
      ASSERT_EQ(fixedpoint::SaturatingRoundingMultiplyByPOT(c, std::min(exponent, 5)), want);
    }
  }
}
#endif

}  // namespace
}  // namespace rt
}  // namespace qk
