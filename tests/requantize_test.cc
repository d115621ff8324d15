// Unit tests of the scalar requantization primitives at their edges, against independent
// formulas written from FORMAT.md section 4 (128-bit arithmetic, floor division).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "qkernels/requantize.h"

namespace qk {
namespace {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

TEST(SaturatingRoundingDoublingHighMul, SaturatesOnlyForMinTimesMin) {
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(kMin, kMin), kMax);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(kMin, kMax), -kMax);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(kMax, kMax), kMax - 1);
}

TEST(SaturatingRoundingDoublingHighMul, TiesRoundTowardPlusInfinity) {
  // a*b = +-2^30 is exactly +-0.5 in units of 2^31.
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(1 << 15, 1 << 15), 1);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-(1 << 15), 1 << 15), 0);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(3 << 15, 1 << 15), 2);   // 1.5 -> 2
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-(3 << 15), 1 << 15), -1);  // -1.5 -> -1
}

TEST(RoundingDivideByPOT, TiesRoundAwayFromZero) {
  EXPECT_EQ(RoundingDivideByPOT(5, 1), 3);
  EXPECT_EQ(RoundingDivideByPOT(-5, 1), -3);
  EXPECT_EQ(RoundingDivideByPOT(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(RoundingDivideByPOT(-5, 2), -1);  // -1.25 -> -1
  EXPECT_EQ(RoundingDivideByPOT(kMin, 31), -1);
  EXPECT_EQ(RoundingDivideByPOT(kMax, 31), 1);
  EXPECT_EQ(RoundingDivideByPOT(7, 0), 7);
}

// round(x / 2^e), ties away from zero, with exact integer arithmetic.
int64_t DivideRoundAway(__int128 x, int e) {
  const __int128 d = static_cast<__int128>(1) << e;
  const __int128 q = (x >= 0 ? (2 * x + d) : (2 * x - d)) / (2 * d);
  return static_cast<int64_t>(q);
}

// floor(v / 2^e) for 128-bit v.
int64_t FloorDiv(__int128 v, int e) {
  const __int128 d = static_cast<__int128>(1) << e;
  __int128 q = v / d;
  if (v % d != 0 && v < 0) --q;
  return static_cast<int64_t>(q);
}

TEST(MultiplyByQuantizedMultiplier, EveryShiftMatchesTheFormula) {
  const int32_t xs[] = {0, 1, -1, 2, -2, 3, -3, 255, -255, 20735, -20735, 1 << 20, -(1 << 20),
                        123456789, -123456789, kMax, kMin, kMin + 1};
  const int32_t ms[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, kMax};
  for (int shift = -31; shift <= 30; ++shift) {
    for (int32_t m : ms) {
      for (int32_t x : xs) {
        // Double rounding: only when x * 2^left fits int32 (the contract).
        const int left = shift > 0 ? shift : 0;
        const int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left);
        if (shifted >= kMin && shifted <= kMax) {
          int64_t high = FloorDiv(static_cast<__int128>(shifted) * m + (int64_t{1} << 30), 31);
          if (high > kMax) high = kMax;  // INT32_MIN * INT32_MIN lane
          const int64_t expected = DivideRoundAway(high, shift > 0 ? 0 : -shift);
          EXPECT_EQ(MultiplyByQuantizedMultiplier(x, m, shift, Rounding::kDouble), expected)
              << "x=" << x << " m=" << m << " shift=" << shift;
        }
        const int64_t single =
            FloorDiv(static_cast<__int128>(x) * m + (static_cast<__int128>(1) << (30 - shift)),
                     31 - shift);
        if (single >= kMin && single <= kMax) {
          EXPECT_EQ(MultiplyByQuantizedMultiplier(x, m, shift, Rounding::kSingle), single)
              << "x=" << x << " m=" << m << " shift=" << shift;
        }
      }
    }
  }
}

TEST(MultiplyByQuantizedMultiplier, DoubleAndSingleRoundingDiffer) {
  // FORMAT.md section 4: 20735 * 2^30 * 2^(-8-31) = 40.498...: double rounds it up.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(20735, 1 << 30, -8, Rounding::kDouble), 41);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(20735, 1 << 30, -8, Rounding::kSingle), 40);
}

TEST(MultiplyByQuantizedMultiplier, NegativeTies) {
  // First-stage tie (in SaturatingRoundingDoublingHighMul): -3 * 0.5 = -1.5 rounds up to -1.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-3, 1 << 30, 0, Rounding::kDouble), -1);
  // Second-stage tie (in RoundingDivideByPOT): -6 * 0.5 = -3, then -3 / 2 = -1.5 rounds away: -2.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-6, 1 << 30, -1, Rounding::kDouble), -2);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(6, 1 << 30, -1, Rounding::kDouble), 2);
  // Single rounding rounds every tie toward +inf.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-6, 1 << 30, -1, Rounding::kSingle), -1);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-3, 1 << 30, 0, Rounding::kSingle), -1);
}

TEST(MultiplyByQuantizedMultiplier64, ReducesTheMultiplierTo16Bits) {
  for (int shift = -31; shift <= 7; ++shift) {
    const int64_t xs[] = {0, 1, -1, 12345678901LL, -12345678901LL, (int64_t{1} << 47) - 1,
                          -(int64_t{1} << 47)};
    const int32_t ms[] = {1 << 30, 0x7FFEFFFF, 0x7FFF0000, kMax};
    for (int64_t x : xs) {
      for (int32_t m : ms) {
        const int64_t rm = m < 0x7FFF0000 ? (int64_t{m} + (1 << 15)) >> 16 : 0x7FFF;
        const int64_t expected =
            FloorDiv(static_cast<__int128>(x) * rm + (static_cast<__int128>(1) << (14 - shift)),
                     15 - shift);
        if (expected < kMin || expected > kMax) continue;
        EXPECT_EQ(MultiplyByQuantizedMultiplier(x, m, shift), expected)
            << "x=" << x << " m=" << m << " shift=" << shift;
      }
    }
  }
}

TEST(QuantizeMultiplier, Corners) {
  EXPECT_EQ(QuantizeMultiplier(0.0).multiplier, 0);
  const QuantizedMultiplier half = QuantizeMultiplier(0.5);
  EXPECT_EQ(half.multiplier, 1 << 30);
  EXPECT_EQ(half.shift, 0);
  // Just below 1.0: q*2^31 rounds to 2^31, which becomes 2^30 with shift + 1.
  const QuantizedMultiplier near_one = QuantizeMultiplier(0.99999999999);
  EXPECT_EQ(near_one.multiplier, 1 << 30);
  EXPECT_EQ(near_one.shift, 1);
  // Tiny scales flush to zero; huge ones saturate only in single rounding.
  EXPECT_EQ(QuantizeMultiplier(std::ldexp(1.0, -33)).multiplier, 0);
  EXPECT_EQ(QuantizeMultiplier(std::ldexp(1.0, -32)).shift, -31);
  const QuantizedMultiplier big_double = QuantizeMultiplier(std::ldexp(1.0, 40));
  EXPECT_EQ(big_double.shift, 41);
  const QuantizedMultiplier big_single = QuantizeMultiplier(std::ldexp(1.0, 40), Rounding::kSingle);
  EXPECT_EQ(big_single.multiplier, kMax);
  EXPECT_EQ(big_single.shift, 30);
  EXPECT_EQ(QuantizeMultiplier(-1.0).multiplier, 0);
  EXPECT_EQ(QuantizeMultiplier(std::nan("")).multiplier, 0);
}

TEST(EffectiveScale, RuleFRoundsTheProductToFloat) {
  const float in = 0.0256072823f, w = 0.0413854793f, out = 0.000528948789f;
  EXPECT_EQ(EffectiveScalePerChannel(in, w, out), double(in) * double(w) / double(out));
  EXPECT_EQ(EffectiveScalePerTensor(in, w, out), double(float(in * w)) / double(out));
}

}  // namespace
}  // namespace qk
