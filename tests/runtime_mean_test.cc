// MEAN (runtime/ops/mean.h) against TFLite Micro 90b983c: hand-worked cases, and the independent
// transcription of reference_ops::QuantizedMeanOrSum in tests/tflm_reduce.h fed with the
// multiplier micro/kernels/reduce_common.cc PrepareMeanOrSumHelper computes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/ops/mean.h"
#include "tests/tflm_arith.h"
#include "tests/tflm_reduce.h"
#include "tests/xorshift.h"

namespace qk {
namespace rt {
namespace {

// ---- Harness -----------------------------------------------------------------------------

struct Quant {
  float in_scale = 0.5f;
  int in_zp = 0;
  float out_scale = 0.5f;
  int out_zp = 0;
};

size_t OutputCount(const std::vector<int>& dims, const std::vector<int>& axis) {
  const int rank = int(dims.size());
  if (rank == 0) return 1;
  std::vector<bool> reduced(rank, false);
  for (int a : axis) reduced[a < 0 ? a + rank : a] = true;
  size_t n = 1;
  for (int i = 0; i < rank; ++i) n *= reduced[i] ? 1 : size_t(dims[i]);
  return n;
}

template <typename T>
std::vector<T> OurMean(const std::vector<int>& dims, const std::vector<int>& axis, const Quant& q,
                       const std::vector<T>& input) {
  const size_t n = OutputCount(dims, axis);
  ops::MeanParams p;
  std::string error;
  EXPECT_TRUE(ops::PrepareMean(dims, axis, q.in_scale, q.in_zp, q.out_scale, q.out_zp, n, &p,
                               &error))
      << error;
  std::vector<T> out(n, T(99));
  std::vector<int32_t> scratch(n);
  ops::Mean(p, input.data(), out.data(), scratch.data());
  return out;
}

template <typename T>
std::vector<T> TflmMean(const std::vector<int>& dims, const std::vector<int>& axis, const Quant& q,
                        const std::vector<T>& input) {
  int32_t multiplier;
  int shift;
  tflm::QuantizeMultiplier(double(q.in_scale) / double(q.out_scale), &multiplier, &shift);
  std::vector<T> out(OutputCount(dims, axis), T(99));
  EXPECT_TRUE(tflm::QuantizedMean(input.data(), q.in_zp, dims, out.data(), multiplier, shift,
                                  q.out_zp, out.size(), axis));
  return out;
}

using test::Next;
using test::Random;

size_t Elements(const std::vector<int>& dims) {
  size_t n = 1;
  for (int d : dims) n *= size_t(d);
  return n;
}

// ---- Tests -------------------------------------------------------------------------------

// The global average pool of MobileNetV2: 1x7x7x1280 over axes {1, 2}, input and output
// quantization identical (scale 0.0705478862, zero point -9).
TEST(MeanOp, GlobalAveragePool7x7x1280EqualQuantization) {
  const std::vector<int> dims = {1, 7, 7, 1280};
  const Quant q{0.0705478862f, -9, 0.0705478862f, -9};
  ops::MeanParams p;
  std::string error;
  ASSERT_TRUE(ops::PrepareMean(dims, {1, 2}, q.in_scale, q.in_zp, q.out_scale, q.out_zp, 1280, &p,
                               &error))
      << error;
  // QuantizeMultiplier(1.0) = (2^30, 1); n = 49: s = 5, 2^35 / 49 = 701219150, shift 1 - 5.
  EXPECT_EQ(p.multiplier, 701219150);
  EXPECT_EQ(p.shift, -4);

  test::Seed(1);
  std::vector<int8_t> x = Random<int8_t>(Elements(dims));
  // Hand-worked channels. Channel 0: every value 0: sum(q - zp) = 49 * 9 = 441; SRDHM(441, M) =
  // 144 (441 * M = 9 * 2^35 - 162), RDBP(144, 4) = 9, 9 - 9 = 0.
  // Channel 1: 48 values 10 and one 40: 961 -> SRDHM 314 -> RDBP(314, 4) = 20 (19.625) -> 11.
  // (Truncating the raw sum, 520 / 49, would give 10.)
  for (int i = 0; i < 49; ++i) {
    x[size_t(i) * 1280 + 0] = 0;
    x[size_t(i) * 1280 + 1] = i == 17 ? 40 : 10;
  }
  const std::vector<int8_t> ours = OurMean(dims, {1, 2}, q, x);
  EXPECT_EQ(ours[0], 0);
  EXPECT_EQ(ours[1], 11);
  EXPECT_EQ(ours, TflmMean(dims, {1, 2}, q, x));
  EXPECT_EQ(ours, TflmMean(dims, {2, -3}, q, x));  // the same axes written differently

  // The case the old "same scale" path got wrong: many channels differ from sum / 49 truncated.
  int differ = 0;
  for (int c = 0; c < 1280; ++c) {
    int32_t sum = 0;
    for (int i = 0; i < 49; ++i) sum += x[size_t(i) * 1280 + c];
    differ += ours[c] != int8_t(sum / 49);
  }
  EXPECT_GT(differ, 300);
}

// Equal quantization, n = 3 (not a power of two): QuantizeMultiplier(1) = (2^30, 1), s = 1,
// M' = 2^31 / 3 = 715827882, shift' 0. Row 0: sum 2 - 3 * 3 = -7 -> SRDHM -2 -> -2 + 3 = 1.
// Row 1: 113 - 9 = 104 -> SRDHM 35 (34.67) -> 38. Truncation would give 0 and 37.
TEST(MeanOp, EqualQuantizationRoundsTheZeroPointCorrectedSum) {
  const std::vector<int8_t> x = {-1, -2, 5, 6, 7, 100};
  const Quant q{0.5f, 3, 0.5f, 3};
  EXPECT_EQ(OurMean({2, 3}, {1}, q, x), (std::vector<int8_t>{1, 38}));
  EXPECT_EQ(OurMean({2, 3}, {-1}, q, x), (std::vector<int8_t>{1, 38}));
  EXPECT_EQ(OurMean({2, 3}, {1}, q, x), TflmMean({2, 3}, {1}, q, x));
}

// Ties of RoundingDivideByPOT go away from zero. Scales 0.5 -> 1: M = (2^30, 0), n = 2 -> M' =
// 2^30, shift -1. Columns of [[10, 11], [20, 20]] - 2 * zp(2): 26 -> 13 -> 6.5 -> 7 -> 6;
// 27 -> 14 -> 7 -> 6. Negative: [[-11, -12], [-11, -12]]: -26 -> -13 -> -6.5 -> -7 -> -8;
// -28 -> -14 -> -7 -> -8.
TEST(MeanOp, RoundingTiesGoAwayFromZero) {
  const Quant q{0.5f, 2, 1.f, -1};
  EXPECT_EQ(OurMean<int8_t>({2, 2}, {0}, q, {10, 11, 20, 20}), (std::vector<int8_t>{6, 6}));
  EXPECT_EQ(OurMean<int8_t>({2, 2}, {0}, q, {-11, -12, -11, -12}), (std::vector<int8_t>{-8, -8}));
}

TEST(MeanOp, SaturatesToTheOutputType) {
  const std::vector<int8_t> x = {127, 126, -128, -127};
  const Quant q{1.f, 0, 0.01f, 5};
  EXPECT_EQ(OurMean({2, 2}, {1}, q, x), (std::vector<int8_t>{127, -128}));
  const std::vector<int16_t> y = {32767, 32000, -32768, -32000};
  EXPECT_EQ(OurMean({2, 2}, {1}, q, y), (std::vector<int16_t>{32767, -32768}));
}

TEST(MeanOp, EveryAxisSetMatchesTheTranscription) {
  const std::vector<int> dims = {2, 3, 4, 5};
  const Quant q{0.3f, -7, 0.11f, 4};
  test::Seed(7);
  const std::vector<int8_t> x = Random<int8_t>(Elements(dims));
  for (int mask = 0; mask < 16; ++mask) {
    std::vector<int> axis;
    for (int d = 0; d < 4; ++d) {
      if (mask & (1 << d)) axis.push_back(d % 2 ? d - 4 : d);  // mix negative axes in
    }
    if (mask == 5) axis.push_back(0);  // a duplicate
    SCOPED_TRACE(mask);
    EXPECT_EQ(OurMean(dims, axis, q, x), TflmMean(dims, axis, q, x));
  }
}

// Randomised shapes (rank 0 to 5, some dimension 0), axes (negative, duplicated), scales and zero
// points, int8 and int16, against the transcription.
TEST(MeanOp, RandomCasesMatchTheTranscription) {
  for (uint32_t seed = 1; seed <= 400; ++seed) {
    test::Seed(seed * 2654435761u);
    const int rank = int(Next() % 6);
    std::vector<int> dims(rank);
    for (int& d : dims) d = Next() % 20 == 0 ? 0 : 1 + int(Next() % 5);
    std::vector<int> axis;
    const int num_axis = rank ? int(Next() % (rank + 2)) : int(Next() % 2);
    for (int i = 0; i < num_axis; ++i) {
      const int a = rank ? int(Next() % rank) : 0;
      axis.push_back(rank && Next() % 2 ? a - rank : a);
    }
    Quant q;
    q.in_scale = float(std::ldexp(1.0 + (Next() % 1000) / 1000.0, int(Next() % 12) - 8));
    q.out_scale = float(std::ldexp(1.0 + (Next() % 1000) / 1000.0, int(Next() % 12) - 8));
    q.in_zp = int(Next() % 256) - 128;
    q.out_zp = int(Next() % 256) - 128;
    SCOPED_TRACE("seed " + std::to_string(seed));
    if (seed % 2) {
      const std::vector<int8_t> x = Random<int8_t>(Elements(dims));
      ASSERT_EQ(OurMean(dims, rank ? axis : std::vector<int>{}, q, x),
                TflmMean(dims, rank ? axis : std::vector<int>{}, q, x));
    } else {
      const std::vector<int16_t> x = Random<int16_t>(Elements(dims));
      ASSERT_EQ(OurMean(dims, rank ? axis : std::vector<int>{}, q, x),
                TflmMean(dims, rank ? axis : std::vector<int>{}, q, x));
    }
  }
}

// int16 sums wrap in int32 as TFLite's AddTensorValuesWithExpectedOverflow does: 70000 values
// of 32767 sum to 2293690000 - 2^32.
TEST(MeanOp, Int16SumsWrapLikeTflite) {
  const std::vector<int> dims = {1, 70000};
  const std::vector<int16_t> x(70000, 32767);
  const Quant q{1.f, 0, 1.f, 0};
  const std::vector<int16_t> ours = OurMean(dims, {1}, q, x);
  EXPECT_EQ(ours, TflmMean(dims, {1}, q, x));
  EXPECT_NE(ours[0], 32767);  // the wrapped (negative) sum, not the true mean
}

// Any zero-size input dimension: every output is the integer 0 (not the zero point).
TEST(MeanOp, ZeroSizeDimensionsGiveZeros) {
  const Quant q{0.5f, -5, 0.5f, -5};
  EXPECT_EQ(OurMean<int8_t>({2, 0, 3}, {1}, q, {}), std::vector<int8_t>(6, 0));
  EXPECT_EQ(OurMean<int16_t>({2, 0, 3}, {1}, q, {}), std::vector<int16_t>(6, 0));
  EXPECT_EQ(OurMean<int8_t>({0, 3}, {1}, q, {}), std::vector<int8_t>{});
  EXPECT_EQ(TflmMean<int8_t>({2, 0, 3}, {1}, q, {}), std::vector<int8_t>(6, 0));
}

// A scalar ignores its axes (ResolveAxis), and no axis at all reduces nothing (n = 1): the values
// are requantized. Scale 1 -> 0.5: M = (2^30, 2); 3 - 1 = 2 -> SRDHM(8, 2^30) = 4 -> 4 + 6 = 10.
TEST(MeanOp, ScalarAndEmptyAxisRequantize) {
  const Quant q{1.f, 1, 0.5f, 6};
  EXPECT_EQ(OurMean<int8_t>({}, {0, 7}, q, {3}), std::vector<int8_t>{10});
  EXPECT_EQ(OurMean<int8_t>({1, 2}, {}, q, {3, -1}), (std::vector<int8_t>{10, 2}));
  EXPECT_EQ(OurMean<int8_t>({1, 2}, {}, q, {3, -1}), TflmMean<int8_t>({1, 2}, {}, q, {3, -1}));
}

// The fold is limited by 31 + shift: ratio 2^-29 gives (2^30, -28); n = 16: s = min(4, 32, 3) =
// 3, M' = 2^33 / 16 = 2^29, shift' = -31.
TEST(MeanOp, FoldedShiftStaysAtOrAboveMinus31) {
  ops::MeanParams p;
  std::string error;
  ASSERT_TRUE(ops::PrepareMean({16}, {0}, float(std::ldexp(1.0, -29)), 0, 1.f, 0, 1, &p, &error));
  EXPECT_EQ(p.multiplier, 1 << 29);
  EXPECT_EQ(p.shift, -31);
}

TEST(MeanOp, RefusesWhatTfliteCannotRun) {
  ops::MeanParams p;
  std::string error;
  EXPECT_FALSE(ops::PrepareMean({2, 3}, {2}, 1.f, 0, 1.f, 0, 2, &p, &error));
  EXPECT_NE(error.find("axis 2 out of range for rank 2"), std::string::npos) << error;
  EXPECT_FALSE(ops::PrepareMean({2, 3}, {1}, 1.f, 0, 1.f, 0, 3, &p, &error));
  EXPECT_NE(error.find("output tensor has 3 elements, expected 2"), std::string::npos) << error;
  const int big = 2147483647;
  EXPECT_FALSE(ops::PrepareMean({0, big, big, big}, {1, 2, 3}, 1.f, 0, 1.f, 0, 0, &p, &error));
  EXPECT_NE(error.find("element count overflows"), std::string::npos) << error;
  // Ratio 2^31: QuantizeMultiplier gives shift 32, which MultiplyByQuantizedMultiplier cannot take.
  EXPECT_FALSE(ops::PrepareMean({2}, {0}, 1.f, 0, float(std::ldexp(1.0, -31)), 0, 1, &p, &error));
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
}

}  // namespace
}  // namespace rt
}  // namespace qk
