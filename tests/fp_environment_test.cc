// The multiplier helpers in a floating-point environment other than the default: every rounding
// mode, and FTZ/DAZ on x86. QuantizeMultiplier is exact (checked against an integer computation
// from the double's bits); the effective scales return TFLite's values, those of the default
// environment (TFLite's formulas evaluated here in round-to-nearest), and leave the caller's
// mode in place.
#include <gtest/gtest.h>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "qkernels/requantize.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define QK_TEST_HAS_MXCSR 1
#endif

namespace qk {
namespace {

struct Mode {
  int round;
  bool ftz_daz;
  const char* name;
};

std::vector<Mode> Modes() {
  std::vector<Mode> modes = {{FE_TONEAREST, false, "FE_TONEAREST"},
                             {FE_DOWNWARD, false, "FE_DOWNWARD"},
                             {FE_UPWARD, false, "FE_UPWARD"},
                             {FE_TOWARDZERO, false, "FE_TOWARDZERO"}};
#ifdef QK_TEST_HAS_MXCSR
  modes.push_back({FE_DOWNWARD, true, "FE_DOWNWARD+FTZ+DAZ"});
  modes.push_back({FE_TONEAREST, true, "FE_TONEAREST+FTZ+DAZ"});
#endif
  return modes;
}

// Sets a mode for the scope of the object, restores the default environment after.
class ScopedMode {
 public:
  explicit ScopedMode(const Mode& m) {
    EXPECT_EQ(std::fesetround(m.round), 0);
#ifdef QK_TEST_HAS_MXCSR
    if (m.ftz_daz) _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) and DAZ (bit 6)
#endif
  }
  ~ScopedMode() { std::fesetenv(FE_DFL_ENV); }
};

// TFLite's QuantizeMultiplier computed from the bits of a positive normal double: x = mant *
// 2^(e - 52) with a 53-bit mant; q = mant / 2^53 in [0.5, 1), shift = e + 1; Q31 rounding half
// away from zero is floor((mant + 2^21) / 2^22).
QuantizedMultiplier FromBits(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int biased = int((bits >> 52) & 0x7FF);
  const uint64_t mant = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  int shift = biased - 1023 + 1;
  int64_t m = int64_t((mant + (uint64_t{1} << 21)) >> 22);
  if (m == (int64_t{1} << 31)) {
    m >>= 1;
    ++shift;
  }
  if (shift < -31) return {0, 0};
  return {int32_t(m), shift};
}

TEST(FpEnvironment, QuantizeMultiplierIsExactInEveryMode) {
  std::mt19937_64 rng(14);
  std::vector<double> values;
  for (int i = 0; i < 2000; ++i) {
    // Random mantissas, exponents over the useful range.
    const double q = std::ldexp(double(rng() >> 11), -53);  // [0, 1)
    values.push_back(std::ldexp(0.5 + q / 2, int(rng() % 40) - 34));
  }
  for (int64_t n : {int64_t{1} << 30, (int64_t{1} << 30) + 1, int64_t{1942496117},
                    (int64_t{1} << 31) - 1}) {
    values.push_back(std::ldexp(double(n) + 0.5, -31));      // exact Q31 ties: away from zero
    values.push_back(std::ldexp(double(n) + 0.5, -31 - 9));
  }
  values.push_back(std::nextafter(1.0, 0.0));  // rounds up to 2^31: renormalised
  for (const Mode& m : Modes()) {
    ScopedMode scoped(m);
    for (double v : values) {
      const QuantizedMultiplier want = FromBits(v);
      const QuantizedMultiplier got = QuantizeMultiplier(v);
      ASSERT_EQ(got.multiplier, want.multiplier) << m.name << " " << std::hexfloat << v;
      ASSERT_EQ(got.shift, want.shift) << m.name << " " << std::hexfloat << v;
    }
  }
}

TEST(FpEnvironment, EffectiveScalesAreTfliteValuesInEveryMode) {
  std::mt19937 rng(1414);
  std::uniform_real_distribution<float> dist(1e-4f, 1.0f);
  struct Expected {
    float in, w, out;
    double d, f;
  };
  std::vector<Expected> cases;
  for (int i = 0; i < 500; ++i) {
    Expected e{dist(rng), dist(rng), dist(rng), 0, 0};
    // TFLite's formulas (kernel_util.cc), evaluated here in the default environment.
    e.d = double(e.in) * double(e.w) / double(e.out);
    e.f = double(float(e.in * e.w)) / double(e.out);
    cases.push_back(e);
  }
  for (const Mode& m : Modes()) {
    int naive_differs = 0;
    ScopedMode scoped(m);
    for (const Expected& e : cases) {
      volatile float in = e.in, w = e.w, out = e.out;
      naive_differs += double(in) * double(w) / double(out) != e.d;
      ASSERT_EQ(EffectiveScalePerChannel(in, w, out), e.d) << m.name;
      ASSERT_EQ(EffectiveScalePerTensor(in, w, out), e.f) << m.name;
      ASSERT_EQ(std::fegetround(), m.round) << m.name << ": the caller's mode is restored";
    }
#ifdef QK_TEST_HAS_MXCSR
    EXPECT_EQ((_mm_getcsr() & 0x8040) != 0, m.ftz_daz) << m.name << ": FTZ/DAZ restored";
#endif
    // In a directed mode, the same formula evaluated by the caller differs for some inputs:
    // the mode is really in effect, and the library really shields its result from it.
    if (m.round != FE_TONEAREST) EXPECT_GT(naive_differs, 0) << m.name;
  }
}

}  // namespace
}  // namespace qk
