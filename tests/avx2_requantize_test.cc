// The AVX2 8-bit output stage (Requantize8: the float estimate with its exact fallback, or the
// integer route) against the scalar reference, lane by lane, exactly: clamp(scaled + zp) for
// int8 and uint8 outputs at the extreme zero points, on random lanes, edge accumulators and lanes
// placed on and next to every rounding boundary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfenv>
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

bool EstimateEligible(int32_t m, int32_t shift) { return m == 0 || (shift <= -1 && shift >= -22); }

// Runs every stage and rounding in every floating-point environment of test::FloatEnv; returns
// how many of the runs took the estimate. Besides the bytes, asserts the decision Requantize8
// takes per vector of 8 lanes (estimate kept, or exact recomputation) against the one derived
// independently by test::EstimateUndecided, and that no vector of coarse lanes with |t| < 254
// (requantize_estimate.h, E6) ever falls back.
int Check(Lanes l) {
  l.Pad(8);
  const int n = static_cast<int>(l.x.size());
  std::vector<int32_t> out(n);
  std::vector<uint8_t> fast(n / 8);
  int estimated = 0, reported = 0, wrong_decisions = 0;
  bool eligible = true;
  for (int i = 0; i < n; ++i) eligible = eligible && EstimateEligible(l.m[i], l.s[i]);
  test::FloatEnv env;
  for (int env_index = 0; env_index < test::FloatEnv::kCount; ++env_index) {
    SCOPED_TRACE(test::FloatEnv::Name(env_index));
    env.Apply(env_index);
    for (Rounding rounding : {Rounding::kDouble, Rounding::kSingle}) {
      const bool single = rounding == Rounding::kSingle;
      for (const Stage& st : kStages) {
        const bool took = avx2::RequantizeLanes(l.x.data(), l.m.data(), l.s.data(), n, rounding,
                                                st.zp, st.lo, st.hi, out.data(), fast.data());
        estimated += took;
        EXPECT_EQ(took, eligible);
        for (int v = 0; v < n / 8; ++v) {
          bool any_undecided = false, all_coarse = true;
          for (int i = 8 * v; i < 8 * v + 8; ++i) {
            any_undecided = any_undecided || test::EstimateUndecided(l.x[i], l.m[i], l.s[i], single);
            all_coarse = all_coarse && test::EstimateMustDecide(l.x[i], l.m[i], l.s[i], single);
          }
          const bool want_fast = eligible && !any_undecided;
          if ((fast[v] != want_fast || (eligible && all_coarse && !fast[v])) &&
              wrong_decisions++ < 5) {
            ADD_FAILURE() << (single ? "single" : "double") << " vector at x=" << l.x[8 * v]
                          << " M=" << l.m[8 * v] << " shift=" << l.s[8 * v] << ": kernel "
                          << (fast[v] ? "kept the estimate" : "fell back") << ", expected "
                          << (want_fast ? "estimate" : "fallback") << (all_coarse ? " (coarse)" : "");
          }
        }
        for (int i = 0; i < n; ++i) {
          const int64_t scaled = MultiplyByQuantizedMultiplier(l.x[i], l.m[i], l.s[i], rounding);
          const int32_t want = static_cast<int32_t>(
              std::min<int64_t>(std::max<int64_t>(scaled + st.zp, st.lo), st.hi));
          if (out[i] != want && reported++ < 5) {
            ADD_FAILURE() << (single ? "single" : "double") << " x=" << l.x[i] << " M=" << l.m[i]
                          << " shift=" << l.s[i] << " zp=" << st.zp << ": avx2 " << out[i]
                          << ", scalar " << want;
          }
        }
      }
    }
  }
  EXPECT_EQ(reported, 0);
  EXPECT_EQ(wrong_decisions, 0);
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
  const int32_t multipliers[] = {0, 1 << 30, (1 << 30) + 1, 3 << 29, 7 << 28, 1518500250, kMax};
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
    test::AddNearHalfInteger(&l, target(rng), m, s, 2);
  }
  // Every run took the estimate (and its fallback where needed).
  EXPECT_EQ(Check(l), 16 * test::FloatEnv::kCount);
}

// Multipliers with few significant bits (M0 = 2^30, 3 * 2^29, 7 * 2^28, ...) at every shift of
// the estimate, one op per (M0, shift), on the accumulators whose t is within a few grid steps of
// an integer in -300..300: vectors of coarse channels never fall back (asserted in Check), and
// every byte is exact.
TEST_F(Avx2Requantize, CoarseMultipliersStayFastAndExact) {
  const int32_t multipliers[] = {1 << 30, 3 << 29, 5 << 28, 7 << 28, 1023 << 21, 1025 << 20};
  int coarse_ops = 0;
  for (int e = 1; e <= 22; ++e) {
    for (int32_t m : multipliers) {
      Lanes l;
      for (int target = -300; target <= 300; target += 11) {
        test::AddNearHalfInteger(&l, target, m, -e, 2);
      }
      coarse_ops += test::EstimateCoarse(m, -e, false);
      Check(l);
    }
  }
  EXPECT_GT(coarse_ops, 20);
}

}  // namespace
}  // namespace qk
