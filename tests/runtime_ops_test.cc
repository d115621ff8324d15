// The runtime's data movement (TRANSPOSE, CONCATENATION, PAD) and QUANTIZE/DEQUANTIZE against
// index formulas and values hand-derived from TFLite Micro 90b983c's reference kernels
// (reference/transpose.h, concatenation.h, pad.h, requantize.h, quantize.h, dequantize.h); and
// the fixed-point helpers of softmax against gemmlowp's header where installed. ADD, MEAN,
// pooling and softmax have their own files (runtime_add_test.cc, runtime_mean_test.cc,
// runtime_pool_softmax_test.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "tests/shared_data.h"

#include "runtime/ops/data_movement.h"
#include "runtime/ops/fixedpoint.h"
#include "runtime/ops/quantize.h"
#include "tests/tflm_arith.h"
#include "tests/xorshift.h"

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

// The threads' row ranges (PadRows along PadSplitDimension) put together give Pad's bytes.
TEST(DataMovement, PadRowsReassemblePad) {
  struct Case {
    std::vector<int> dims, before, after;
  };
  const Case cases[] = {{{1, 4, 5, 3}, {0, 0, 0, 0}, {0, 1, 1, 0}},
                        {{1, 3, 2, 2}, {0, 2, 1, 1}, {0, 1, 0, 2}},
                        {{2, 3}, {1, 0}, {0, 2}},
                        {{1, 1, 1, 4}, {0, 0, 0, 3}, {0, 0, 0, 1}}};
  for (const Case& c : cases) {
    size_t in_n = 1, out_n = 1;
    for (size_t i = 0; i < c.dims.size(); ++i) {
      in_n *= size_t(c.dims[i]);
      out_n *= size_t(c.before[i] + c.dims[i] + c.after[i]);
    }
    std::vector<int16_t> x(in_n);
    for (size_t i = 0; i < in_n; ++i) x[i] = int16_t(1000 + i);
    const int16_t v = -7;
    std::vector<int16_t> whole(out_n);
    ops::Pad(c.dims, c.before, c.after, 2, &v, x.data(), whole.data());
    const int d = ops::PadSplitDimension(c.dims, c.before, c.after);
    const int extent = c.before[d] + c.dims[d] + c.after[d];
    for (int parts = 1; parts <= 4; ++parts) {
      std::vector<int16_t> out(out_n, int16_t(99));
      for (int i = 0; i < parts; ++i) {
        ops::PadRows(c.dims, c.before, c.after, 2, &v, x.data(), out.data(), d, extent * i / parts,
                     extent * (i + 1) / parts);
      }
      EXPECT_EQ(out, whole) << c.dims.size() << "-D, split dimension " << d << ", " << parts;
    }
  }
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

// reference/transpose.h: output[i_0..i_n-1] = input at the index whose dimension perm[k] is i_k.
// Checked on a 5-D int16 tensor against that index formula, for several permutations.
TEST(DataMovement, Transpose5DFollowsTheIndexFormula) {
  const std::vector<int> dims = {2, 3, 1, 4, 2};
  std::vector<int16_t> x(48);
  for (size_t i = 0; i < x.size(); ++i) x[i] = int16_t(1000 + i);
  const std::vector<std::vector<int>> perms = {{4, 3, 2, 1, 0}, {0, 2, 4, 1, 3}, {1, 0, 2, 3, 4}};
  for (const auto& perm : perms) {
    std::vector<int16_t> y(48);
    ops::Transpose(dims, perm, 2, x.data(), y.data());
    std::vector<int> od(5);
    for (int k = 0; k < 5; ++k) od[k] = dims[perm[k]];
    size_t o = 0;
    int idx[5];
    for (idx[0] = 0; idx[0] < od[0]; ++idx[0])
      for (idx[1] = 0; idx[1] < od[1]; ++idx[1])
        for (idx[2] = 0; idx[2] < od[2]; ++idx[2])
          for (idx[3] = 0; idx[3] < od[3]; ++idx[3])
            for (idx[4] = 0; idx[4] < od[4]; ++idx[4], ++o) {
              int in_idx[5];
              for (int k = 0; k < 5; ++k) in_idx[perm[k]] = idx[k];
              size_t flat = 0;
              for (int k = 0; k < 5; ++k) flat = flat * size_t(dims[k]) + size_t(in_idx[k]);
              ASSERT_EQ(y[o], x[flat]) << o;
            }
  }
}

// Zero-size tensors move nothing; a zero-size input padded gives only pad values.
TEST(DataMovement, ZeroSizeTensors) {
  std::vector<int8_t> out(6, 1);
  const int8_t v = -3;
  ops::Pad({0, 3}, {1, 0}, {1, 0}, 1, &v, nullptr, out.data());
  EXPECT_EQ(out, std::vector<int8_t>(6, -3));
  std::vector<int8_t> t(1, 5);
  ops::Transpose({2, 0}, {1, 0}, 1, nullptr, t.data());
  EXPECT_EQ(t[0], 5);
}

// reference/concatenation.h along the first and the last axis, three int32 inputs.
TEST(DataMovement, ConcatenateFirstAndLastAxis) {
  const std::vector<int32_t> a = {1, 2, 3, 4}, b = {5, 6}, c = {7, 8, 9, 10, 11, 12};
  std::vector<int32_t> o(12);
  ops::Concatenate({{2, 2}, {1, 2}, {3, 2}}, {a.data(), b.data(), c.data()}, 0, 4, o.data());
  EXPECT_EQ(o, (std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  ops::Concatenate({{2, 2}, {2, 1}, {2, 3}}, {a.data(), b.data(), c.data()}, 1, 4, o.data());
  EXPECT_EQ(o, (std::vector<int32_t>{1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12}));
}

// reference_ops::Requantize with int32 tensors (TFLite Micro's int8/int16 <-> int32 pairs):
// out = clamp(MultiplyByQuantizedMultiplier(in - zp_in, M, s) + zp_out), the int32 subtraction
// wrapping. Expected values from the transcription of MultiplyByQuantizedMultiplier.
TEST(Quantize, Int32Requantization) {
  int32_t m;
  int s;
  tflm::QuantizeMultiplier(0.001 / 0.1, &m, &s);
  const int32_t in[5] = {1234, -1250, 1250, 2147483647, -2147483647 - 1};
  int8_t out8[5];
  ops::Requantize(in, 5, m, s, 3, -2, out8);
  for (int i = 0; i < 5; ++i) {
    const int32_t x = int32_t(uint32_t(in[i]) - 3u);
    const int32_t y = tflm::MultiplyByQuantizedMultiplier(x, m, s) - 2;
    const int32_t want = std::max(-128, std::min(127, y));
    EXPECT_EQ(out8[i], want) << i;
  }
  EXPECT_EQ(out8[0], 10);   // 1231 * 0.01 = 12.31 -> 12, - 2
  EXPECT_EQ(out8[1], -15);  // -1253 * 0.01 = -12.53 -> -13, - 2
  // int16 -> int32 at ratio 4 = (2^30, 3): x * 8 -> SRDHM(., 2^30) = x * 4.
  const int16_t w[3] = {-32768, 1, 32767};
  int32_t out32[3];
  ops::Requantize(w, 3, int32_t(1) << 30, 3, 0, 100, out32);
  EXPECT_EQ(std::vector<int32_t>(out32, out32 + 3), (std::vector<int32_t>{-131072 + 100, 104,
                                                                          131068 + 100}));
}

#ifdef QK_HAVE_GEMMLOWP
// Our scalar fixed-point functions equal gemmlowp's on a sweep of inputs.
TEST(FixedPoint, MatchesGemmlowp) {
  using F5 = gemmlowp::FixedPoint<int32_t, 5>;
  using F0 = gemmlowp::FixedPoint<int32_t, 0>;
  test::XorShift32 rng{12345};
  auto next = [&rng] { return rng.Next(); };
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
#else
// The comparison with gemmlowp is what makes the test above meaningful: without the header it is
// skipped here, and CI (QK_REQUIRE_SHARED=1, which also installs libgemmlowp-dev) fails instead.
TEST(FixedPoint, MatchesGemmlowp) {
  if (test::SharedRequired()) {
    FAIL() << "QK_REQUIRE_SHARED=1 but gemmlowp's fixedpoint.h (libgemmlowp-dev) was not found "
              "when this test was built: the comparison with gemmlowp did not run";
  }
  GTEST_SKIP() << "gemmlowp/fixedpoint/fixedpoint.h not installed (libgemmlowp-dev)";
}
#endif

}  // namespace
}  // namespace rt
}  // namespace qk
