// The AVX2 8-bit output stage (Requantize8: the float estimate with its exact fallback, or the
// integer route) against the scalar reference, lane by lane, exactly: clamp(scaled + zp) for
// int8 and uint8 outputs at the extreme zero points, on random lanes, edge accumulators and lanes
// placed on and next to every rounding boundary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/avx2/requantize_lanes_avx2.h"
#include "tests/requantize_lanes.h"
#include "qkernels/isa.h"
#include "qkernels/requantize.h"

namespace qk {
namespace {

using test::EdgeAccumulators;
using test::kMax;
using test::kMin;
using test::Lanes;

struct Stage {
  int32_t zp, lo, hi;
};
// int8 and uint8 output stages: extreme zero points, full and narrow clamps.
const Stage kStages[] = {{0, -128, 127},  {-128, -128, 127}, {127, -128, 127}, {5, -20, 90},
                         {0, 0, 255},     {255, 0, 255},     {128, 0, 255},    {17, 30, 200}};

// Runs every stage and rounding; returns how many of the runs took the estimate.
int Check(Lanes l) {
  l.Pad(8);
  const int n = static_cast<int>(l.x.size());
  std::vector<int32_t> out(n);
  int estimated = 0, reported = 0;
  for (Rounding rounding : {Rounding::kDouble, Rounding::kSingle}) {
    for (const Stage& st : kStages) {
      estimated += avx2::RequantizeLanes(l.x.data(), l.m.data(), l.s.data(), n, rounding, st.zp,
                                         st.lo, st.hi, out.data());
      for (int i = 0; i < n; ++i) {
        const int64_t scaled = MultiplyByQuantizedMultiplier(l.x[i], l.m[i], l.s[i], rounding);
        const int32_t want =
            static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(scaled + st.zp, st.lo), st.hi));
        if (out[i] != want && reported++ < 5) {
          ADD_FAILURE() << (rounding == Rounding::kSingle ? "single" : "double") << " x=" << l.x[i]
                        << " M=" << l.m[i] << " shift=" << l.s[i] << " zp=" << st.zp << ": avx2 "
                        << out[i] << ", scalar " << want;
        }
      }
    }
  }
  EXPECT_EQ(reported, 0);
  return estimated;
}

class Avx2Requantize : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsaSupported(Isa::kAvx2)) GTEST_SKIP() << "avx2: not supported by this CPU, skipped (not passed)";
  }
};

TEST_F(Avx2Requantize, EdgeValuesEveryShift) {
  const std::vector<int32_t> values = EdgeAccumulators();
  const int32_t multipliers[] = {0, 1 << 30, (1 << 30) + 1, 1518500250, kMax};
  int estimated = 0;
  for (int shift = -31; shift <= 30; ++shift) {
    for (int32_t m : multipliers) {
      Lanes l;  // one (M, shift) per op: shifts -1..-22 take the estimate
      for (int32_t x : values) l.Add(x, m, shift);
      estimated += Check(l);
    }
  }
  EXPECT_GT(estimated, 0);
}

TEST_F(Avx2Requantize, RandomAndBoundaryLanes) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> mult(1 << 30, kMax);
  std::uniform_int_distribution<int> shift(-22, -1), bits(0, 31), target(-600, 600);
  std::uniform_int_distribution<uint32_t> any;
  Lanes l;
  for (int i = 0; i < 40000; ++i) {
    const int32_t m = i % 7 == 0 ? (1 << 30) : mult(rng);
    const int s = shift(rng);
    const int b = bits(rng);
    l.Add(b == 31 ? static_cast<int32_t>(any(rng))
                  : static_cast<int32_t>(any(rng) % (uint32_t{2} << b)) - (1 << b),
          m, s);
    // Next to the boundary where a*m crosses a half-integer (both roundings' ties are near it).
    const double a0 = (target(rng) - 0.5) / std::ldexp(static_cast<double>(m), s - 31);
    for (int d = -2; d <= 2; ++d) {
      const double a = std::floor(a0) + d;
      if (a >= kMin && a <= kMax) l.Add(static_cast<int32_t>(a), m, s);
    }
  }
  EXPECT_EQ(Check(l), 16);  // every run took the estimate (and its fallback where needed)
}

}  // namespace
}  // namespace qk
