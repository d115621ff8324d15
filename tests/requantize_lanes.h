// Lanes of (accumulator, multiplier, shift) for the tests that compare a SIMD requantization
// with the scalar reference lane by lane (arm_requantize_test, x86_requantize_test,
// avx2_requantize_test).
#ifndef QKERNELS_TESTS_REQUANTIZE_LANES_H_
#define QKERNELS_TESTS_REQUANTIZE_LANES_H_

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>  // _mm_getcsr / _mm_setcsr (FloatEnv)
#define QK_TEST_X86 1
#endif

#include <cfenv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace qk {
namespace test {

constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

struct Lanes {
  std::vector<int32_t> x, m, s;
  void Add(int32_t xv, int32_t mv, int32_t sv) { x.push_back(xv), m.push_back(mv), s.push_back(sv); }
  // Repeats the last lane up to a multiple of `width` lanes (a whole number of vectors).
  void Pad(size_t width) {
    while (x.size() % width != 0) Add(x.back(), m.back(), s.back());
  }
};

// The accumulators a = floor(a0) + d, |d| <= spread, a0 = (target - 1/2) / M with
// M = M0 2^shift / 2^31: where a * M crosses the half-integer below `target`, next to the
// boundary of both roundings (their ties lie within 2^(shift-1) of it). Those in int32 range.
inline void AddNearHalfInteger(Lanes* l, int target, int32_t m0, int shift, int spread) {
  const double a0 = (target - 0.5) / std::ldexp(static_cast<double>(m0), shift - 31);
  for (int d = -spread; d <= spread; ++d) {
    const double a = std::floor(a0) + d;
    if (a >= kMin && a <= kMax) l->Add(static_cast<int32_t>(a), m0, shift);
  }
}

// The accumulators at the ends of the range and around every power of two, both signs.
inline std::vector<int32_t> EdgeAccumulators() {
  std::vector<int32_t> v = {kMin, kMin + 1, kMin + 2, -1, 0, 1, 2, kMax - 1, kMax};
  for (int b = 0; b < 31; ++b) {
    const int32_t p = int32_t{1} << b;
    for (int32_t d : {-1, 0, 1}) v.push_back(p + d), v.push_back(-p + d);
  }
  return v;
}

#ifdef QK_TEST_X86
// The x86 float estimate's decision for one lane, derived here from the statement of the method
// (kernels/x86/requantize_estimate.h, E1 to E6), not from the kernels' code: t's grid is read off
// by integer divisibility (is 2^11 t an integer for every a?), which picks the offset d, and
// w = fl(fl(a) * fl(M0) 2^-(31+e) + c + d) is the scalar fmaf in the thread's rounding mode.
// Returns whether the lane is undecided: frac(w) < 2^-12. Only for 1 <= e = -shift <= 22.
inline bool EstimateUndecided(int32_t a, int32_t m0, int shift, bool single_rounding) {
  const int e = m0 == 0 ? 1 : -shift;
  const bool grid_ok = (int64_t{m0} << 11) % (int64_t{1} << (31 + e)) == 0;
  const bool coarse = grid_ok && (single_rounding || e + 1 <= 11);
  const double d = coarse ? 3.0 / 8192 : 1.0 / 8192;
  const double half_step = single_rounding ? 0.0 : std::ldexp(1.0, -(e + 1));
  const float c = static_cast<float>(0.5 + d + (a < 0 ? -half_step : half_step));  // exact
  const float m = std::ldexp(static_cast<float>(m0), -(31 + e));
  const double w = std::fmaf(static_cast<float>(a), m, c);
  return w - std::floor(w) < 1.0 / 4096;
}

// Whether a channel's t lies on a grid of 2^-11 or coarser (the same divisibility test): such
// lanes must never be undecided while |t| < 256 (requantize_estimate.h, E6).
inline bool EstimateCoarse(int32_t m0, int shift, bool single_rounding) {
  const int e = m0 == 0 ? 1 : -shift;
  return (int64_t{m0} << 11) % (int64_t{1} << (31 + e)) == 0 && (single_rounding || e <= 10);
}
// A coarse lane with |t| < 255: one that must stay on the estimate.
inline bool EstimateMustDecide(int32_t a, int32_t m0, int shift, bool single_rounding) {
  const int e = m0 == 0 ? 1 : -shift;
  return EstimateCoarse(m0, shift, single_rounding) &&
         std::fabs(std::ldexp(static_cast<double>(a) * m0, -(31 + e))) < 254;
}

// The floating-point environments the x86 estimate must be exact in (requantize_estimate.h, E2 to
// E4): each MXCSR rounding mode, and FTZ + DAZ. Apply(i) sets environment i for this thread; the
// destructor restores the caller's.
class FloatEnv {
 public:
  static constexpr int kCount = 6;
  FloatEnv() : round_(std::fegetround()), csr_(_mm_getcsr()) {}
  ~FloatEnv() {
    std::fesetround(round_);
    _mm_setcsr(csr_);
  }
  static const char* Name(int i) {
    static const char* const names[kCount] = {"nearest", "down", "up", "toward zero",
                                              "nearest+FTZ+DAZ", "down+FTZ+DAZ"};
    return names[i];
  }
  void Apply(int i) const {
    static const int modes[kCount] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO,
                                      FE_TONEAREST, FE_DOWNWARD};
    _mm_setcsr(csr_);
    std::fesetround(modes[i]);  // sets MXCSR.RC too
    if (i >= 4) _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) and DAZ (bit 6)
  }

 private:
  int round_;
  unsigned csr_;
};
#endif  // QK_TEST_X86

}  // namespace test
}  // namespace qk

#endif  // QKERNELS_TESTS_REQUANTIZE_LANES_H_
