// The NEON vectorized MultiplyByQuantizedMultiplier (vqrdmulh + RoundingDivideByPOT fix-up, and
// the 64-bit single-rounding path) against the scalar reference, lane by lane, exactly: every
// shift, the edge accumulators, exact negative and positive ties of the final rounding shift.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/neon/requantize_lanes_neon.h"
#include "qkernels/requantize.h"
#include "tests/requantize_lanes.h"

namespace qk {
namespace {

using test::EdgeAccumulators;
using test::kMax;
using test::kMin;
using test::Lanes;

// Compares all lanes for one rounding mode; reports the first few mismatches.
void Check(const Lanes& l, Rounding rounding) {
  std::vector<int32_t> got(l.x.size());
  neon::MultiplyByQuantizedMultiplierN(l.x.data(), l.m.data(), l.s.data(),
                                       static_cast<int>(l.x.size()), rounding, got.data());
  int reported = 0;
  for (size_t i = 0; i < l.x.size(); ++i) {
    const int32_t want = MultiplyByQuantizedMultiplier(l.x[i], l.m[i], l.s[i], rounding);
    if (got[i] != want && reported++ < 5) {
      ADD_FAILURE() << (rounding == Rounding::kSingle ? "single" : "double") << " x=" << l.x[i]
                    << " M=" << l.m[i] << " shift=" << l.s[i] << ": neon " << got[i]
                    << ", scalar " << want;
    }
  }
  EXPECT_EQ(reported, 0);
}

TEST(ArmRequantize, EveryShiftEdgeValuesAndMultipliers) {
  const int32_t multipliers[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, kMax - 1, kMax};
  Lanes l;
  for (int shift = -31; shift <= 30; ++shift) {
    for (int32_t m : multipliers) {
      for (int32_t x : EdgeAccumulators()) l.Add(x, m, shift);
    }
  }
  Check(l, Rounding::kDouble);
  Check(l, Rounding::kSingle);
}

// M = 2^30 makes SRDHM(x, M) = x / 2 exactly for even x, so x = 2y puts y's rounding shift by e
// exactly on a tie (y = k * 2^e + 2^(e-1)), negative and positive: where vrshl and RDBP differ.
TEST(ArmRequantize, ExactTiesOfTheRoundingShift) {
  Lanes l;
  for (int e = 1; e <= 31; ++e) {
    for (int64_t k = -4; k <= 3; ++k) {
      for (int64_t off : {int64_t{-1}, int64_t{0}, int64_t{1}}) {
        const int64_t y = k * (int64_t{1} << e) + (int64_t{1} << (e - 1)) + off;
        if (2 * y < kMin || 2 * y > kMax) continue;
        l.Add(static_cast<int32_t>(2 * y), 1 << 30, -e);
      }
    }
  }
  ASSERT_GT(l.x.size(), 500u);
  Check(l, Rounding::kDouble);
  Check(l, Rounding::kSingle);
}

TEST(ArmRequantize, RandomLanes) {
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int32_t> any(kMin, kMax);
  std::uniform_int_distribution<int32_t> mult(1 << 30, kMax);
  std::uniform_int_distribution<int32_t> shift(-31, 30);
  std::uniform_int_distribution<int> bits(0, 31);
  Lanes l;
  for (int i = 0; i < 200000; ++i) {
    const int32_t x = any(rng) >> bits(rng);  // small and large magnitudes
    l.Add(x, i % 97 == 0 ? 0 : mult(rng), shift(rng));
  }
  Check(l, Rounding::kDouble);
  Check(l, Rounding::kSingle);
}

}  // namespace
}  // namespace qk
