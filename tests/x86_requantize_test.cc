// The AVX-512 epilogue's MultiplyByQuantizedMultiplier (requantize_avx512vnni.h) against the
// scalar reference, lane by lane, exactly: the integer route for every shift, and the float
// estimate with its exact fallback on random lanes, edge accumulators, lanes placed on and next
// to every rounding boundary, and coarse multipliers (M0 = 2^30, 3 * 2^29, ...), each in every
// MXCSR rounding mode and with FTZ/DAZ; every lane's fast/fallback decision is checked against
// an independent computation (tests/requantize_lanes.h, EstimateUndecided).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/avx512vnni/requantize_lanes_avx512vnni.h"
#include "tests/requantize_lanes.h"
#include "qkernels/isa.h"
#include "qkernels/requantize.h"

namespace qk {
namespace {

using test::EdgeAccumulators;
using test::kMax;
using test::kMin;
using test::Lanes;

struct Outcome {
  int estimated = 0, exact = 0, undecided = 0;
};

// The epilogue's scaled value is only ever used through the 8-bit output stage: clamp(v + zp)
// to the int8 or uint8 range. It must equal the reference exactly where that matters
// (|reference| <= 500), and elsewhere give the same byte for every output zero point.
bool SameOutputs(int32_t got, int32_t want) {
  if (want >= -500 && want <= 500) return got == want;
  auto clamp = [](int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; };
  for (int64_t zp = -128; zp <= 255; ++zp) {
    if (zp <= 127 && clamp(got + zp, -128, 127) != clamp(want + zp, -128, 127)) return false;
    if (zp >= 0 && clamp(got + zp, 0, 255) != clamp(want + zp, 0, 255)) return false;
  }
  return true;
}

bool EstimateEligible(int32_t m, int32_t shift) { return m == 0 || (shift <= -1 && shift >= -22); }

// Checks every lane for one rounding mode in every floating-point environment of test::FloatEnv
// (requantize_estimate.h, E2 to E4): the epilogue's result against the reference, the raw
// estimate too wherever it claims to be decided, and the decision itself: per lane, "undecided"
// must equal test::EstimateUndecided (derived from the method's statement, not from the kernel),
// and coarse lanes with |t| < 254 (E6) must never be undecided. Returns the counts of the last
// environment (they do not depend on it for these lanes' vectors in practice).
Outcome Check(Lanes l, Rounding rounding) {
  l.Pad(16);
  const size_t n = l.x.size();
  const bool single = rounding == Rounding::kSingle;
  std::vector<int32_t> out(n), estimate(n);
  std::vector<uint8_t> undecided(n), estimated(n);
  Outcome o;
  int reported = 0, wrong_decisions = 0;
  test::FloatEnv env;
  for (int env_index = 0; env_index < test::FloatEnv::kCount; ++env_index) {
    SCOPED_TRACE(test::FloatEnv::Name(env_index));
    env.Apply(env_index);
    avx512vnni::ScaledLanes r{out.data(), estimate.data(), undecided.data(), estimated.data()};
    avx512vnni::ScaleLanes(l.x.data(), l.m.data(), l.s.data(), static_cast<int>(n), rounding, &r);
    o = Outcome{r.vectors_estimated, r.vectors_exact, 0};
    for (size_t v = 0; v < n; v += 16) {
      bool eligible = true;
      for (size_t i = v; i < v + 16; ++i) eligible = eligible && EstimateEligible(l.m[i], l.s[i]);
      for (size_t i = v; eligible && i < v + 16; ++i) {
        const bool want = test::EstimateUndecided(l.x[i], l.m[i], l.s[i], single);
        const bool must_decide = test::EstimateMustDecide(l.x[i], l.m[i], l.s[i], single);
        if ((undecided[i] != want || (must_decide && undecided[i])) && wrong_decisions++ < 5) {
          ADD_FAILURE() << (single ? "single" : "double") << " x=" << l.x[i] << " M=" << l.m[i]
                        << " shift=" << l.s[i] << ": kernel says "
                        << (undecided[i] ? "undecided" : "decided") << ", expected "
                        << (want ? "undecided" : "decided") << (must_decide ? " (coarse)" : "");
        }
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const int32_t want = MultiplyByQuantizedMultiplier(l.x[i], l.m[i], l.s[i], rounding);
      o.undecided += undecided[i];
      // Lanes of vectors without the estimate, and undecided ones, come from the exact route.
      const bool exact_route = !estimated[i];
      const bool ok = exact_route ? out[i] == want : SameOutputs(out[i], want);
      const bool estimate_ok = !estimated[i] || undecided[i] || SameOutputs(estimate[i], want);
      if ((!ok || !estimate_ok) && reported++ < 5) {
        ADD_FAILURE() << (single ? "single" : "double") << " x=" << l.x[i] << " M=" << l.m[i]
                      << " shift=" << l.s[i] << ": epilogue " << out[i] << ", estimate "
                      << estimate[i] << (undecided[i] ? " (undecided)" : "") << ", scalar " << want;
      }
    }
  }
  EXPECT_EQ(reported, 0);
  EXPECT_EQ(wrong_decisions, 0);
  return o;
}

class X86Requantize : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsaSupported(Isa::kAvx512Vnni)) {
      GTEST_SKIP() << "avx512vnni: not supported by this CPU, skipped (not passed)";
    }
    if (IsaEmulated(Isa::kAvx512Vnni)) {
      std::printf("[ emulated ] avx512vnni runs through SIMDe in this build (exactness only)\n");
    }
  }
};

TEST_F(X86Requantize, EveryShiftEdgeValuesAndMultipliers) {
  const int32_t multipliers[] = {0,       1 << 30,    (1 << 30) + 1, 3 << 29,
                                 7 << 28, 1518500250, kMax - 1,      kMax};
  Lanes l;
  for (int shift = -31; shift <= 30; ++shift) {
    for (int32_t m : multipliers) {
      for (int32_t x : EdgeAccumulators()) l.Add(x, m, shift);
      l.Pad(16);  // one (M, shift) per vector: shifts -1..-22 take the estimate
    }
  }
  for (Rounding rounding : {Rounding::kDouble, Rounding::kSingle}) {
    const Outcome o = Check(l, rounding);
    EXPECT_GT(o.estimated, 0);
    EXPECT_GT(o.exact, 0);
  }
}

// Random lanes in the estimate's range, accumulators of every magnitude.
TEST_F(X86Requantize, RandomLanes) {
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int32_t> mult(1 << 30, kMax);
  std::uniform_int_distribution<int> shift(-22, -1), bits(0, 31);
  std::uniform_int_distribution<uint32_t> any;
  Lanes l;
  for (int i = 0; i < (1 << 19); ++i) {
    const int b = bits(rng);
    const int32_t x = b == 31 ? static_cast<int32_t>(any(rng))
                              : static_cast<int32_t>(any(rng) % (uint32_t{2} << b)) - (1 << b);
    l.Add(x, mult(rng), shift(rng));
  }
  for (Rounding rounding : {Rounding::kDouble, Rounding::kSingle}) {
    const Outcome o = Check(l, rounding);
    EXPECT_GT(o.estimated, o.exact);  // the estimate is the common case
  }
}

// Lanes on and around each rounding boundary of the final result R: the accumulators a with
// t(a) = a*M/2^(31+e) + c within a few steps of an integer, both signs, both roundings. Most are
// undecided by the estimate; the epilogue must still be exact.
TEST_F(X86Requantize, BoundaryLanesFallBackExactly) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> mult(1 << 30, kMax);
  std::uniform_int_distribution<int> shift(-22, -1), target(-600, 600);
  for (Rounding rounding : {Rounding::kDouble, Rounding::kSingle}) {
    Lanes l;
    for (int i = 0; i < 20000; ++i) {
      const int32_t m = i % 7 == 0 ? (1 << 30) : mult(rng);  // M0 = 2^30: exact ties are common
      const int s = shift(rng);
      test::AddNearHalfInteger(&l, target(rng), m, s, 3);
    }
    const Outcome o = Check(l, rounding);
    EXPECT_GT(o.undecided, 0) << "no lane reached the exact fallback";
    EXPECT_GT(o.exact, 0);
  }
}

// Multipliers with few significant bits at every shift of the estimate, one vector per
// (M0, shift), on accumulators whose t is within a few grid steps of an integer in -300..300:
// coarse lanes are never undecided (asserted in Check, E6), so their vectors stay on the
// estimate, and every result is exact.
TEST_F(X86Requantize, CoarseMultipliersStayFastAndExact) {
  const int32_t multipliers[] = {1 << 30, 3 << 29, 5 << 28, 7 << 28, 1023 << 21, 1025 << 20};
  int coarse_ops = 0;
  for (Rounding rounding : {Rounding::kDouble, Rounding::kSingle}) {
    const bool single = rounding == Rounding::kSingle;
    for (int e = 1; e <= 22; ++e) {
      for (int32_t m : multipliers) {
        Lanes l;
        for (int target = -300; target <= 300; target += 11) {
          test::AddNearHalfInteger(&l, target, m, -e, 2);
        }
        const bool coarse = test::EstimateCoarse(m, -e, single);
        coarse_ops += coarse;
        // Coarse vectors whose lanes all have |t| < 254 must all be estimated.
        Lanes inside;
        for (size_t i = 0; i < l.x.size(); ++i) {
          if (test::EstimateMustDecide(l.x[i], m, -e, single)) inside.Add(l.x[i], m, -e);
        }
        const Outcome o = Check(l, rounding);
        if (coarse && !inside.x.empty()) {
          const Outcome oi = Check(inside, rounding);
          EXPECT_EQ(oi.exact, 0) << "M0=" << m << " e=" << e << ": a coarse vector fell back";
        }
        EXPECT_GT(o.estimated + o.exact, 0);
      }
    }
  }
  EXPECT_GT(coarse_ops, 40);
}

}  // namespace
}  // namespace qk
