// The float-estimate requantization shared by the x86 epilogues (kernels/avx512vnni/
// requantize_avx512vnni.h: ScaleEstimate, 16 lanes; kernels/avx2/requantize_avx2.h:
// RequantizeEstimate, 8 lanes): its constants, the per-channel offset rule and the proof that it
// is exact. ISA-neutral: no intrinsics here.
//
// (E1) For 1 <= e = -shift <= 22 and M0 in {0} U [2^30, 2^31), both roundings of
//      MultiplyByQuantizedMultiplier are one floor division:
//        double: RDBP(SRDHM(a, M0), e) = floor((a*M0 + 2^30 + 2^(30+e) - [a < 0] 2^31) / 2^(31+e))
//                (nested floor divisions by powers of two compose; RDBP's "- [h < 0]" may use the
//                sign of a: the two differ only for a*M0 in [-2^30, 0), where both numerators lie
//                in [0, 2^(31+e)) and give 0);
//        single: floor((a*M0 + 2^(30+e)) / 2^(31+e)).
//      So R = floor(t), t = a*M0 / 2^(31+e) + c, with c = 1/2 + 2^-(e+1) (double, a >= 0),
//      1/2 - 2^-(e+1) (double, a < 0) or 1/2 (single).
// (E2) The kernels compute w = fl(fl(a) * m + (c + d)), m = fl(M0) * 2^-(31+e) (the scaling is
//      exact), with the channel's offset d (E5, E6). c + d is exact: its bits lie in
//      [2^-23, 2^-1] because e <= 22. In ANY IEEE rounding mode (nearest, down, up, toward zero:
//      whatever MXCSR says) fl(a), fl(M0) and the FMA each have a relative error below one ulp,
//      u = 2^-23 (2^-24 when rounding to nearest). With |a*M0 / 2^(31+e)| <= |t| + 1 and
//      c + d < 1:
//        |w - (t + d)| < (|t| + 1)(2u + u^2) + (|t| + 2)(1 + 3u) u < (3 |t| + 5) u,
//      which is below eps = 2^-13 = 1024 u whenever |t| < 256 (3 * 256 + 5 < 1024).
// (E3) FTZ and DAZ change nothing: the inputs fl(a) (an integer), m (0 or >= 2^-23) and c + d
//      (>= 1/4) are never subnormal, and w's exact value is a multiple of 2^-53 (fl(a) fl(M0) is
//      an integer times 2^-(31+e), c + d a multiple of 2^-23), so w is 0 or >= 2^-53: never
//      subnormal either. Neither is w - floor(w) (a multiple of 2^-53 too).
// (E4) The floor is taken with an explicit rounding (vroundps imm 0x9, vcvtps2dq {rd-sae},
//      vreduceps imm 0x9), never MXCSR's. w - floor(w) is exact except for w in (-1/2, 0) (where
//      1 + w may need one more bit), and there it is > 1/2 in any mode: "frac(w) < 2 eps" is
//      decided exactly. |t| <= 2^30 + 1, so |w| < 2^31 and the conversion cannot overflow.
// (E5) Ordinary channel, d = eps: if frac(w) >= 2 eps and |t| < 256, (E2) gives
//      t in (w - 2 eps, w) = (floor(w) + frac(w) - 2 eps, floor(w) + frac(w)), inside
//      [floor(w), floor(w) + 1): floor(w) = R. Lanes with frac(w) < 2 eps are "undecided" and the
//      kernel recomputes their vector exactly (about 1 lane in 2^12 when t is spread out).
// (E6) Coarse channel (CoarseGrid below): t lies on the grid 2^-G Z, G = max(31 + e - k, e + 1)
//      (double) or max(31 + e - k, 1) (single), k = the trailing zero bits of M0 (M0 = m 2^k:
//      a*M0 / 2^(31+e) = a*m / 2^(31+e-k)). When G <= kMaxCoarseGridBits = 11 the grid step is
//      >= 4 eps and the offset is d = 3 eps: frac(t) <= 1 - 4 eps, so t + d lies in
//      [floor(t) + 3 eps, floor(t) + 1 - eps] and, by (E2), w in (floor(t) + 2 eps, floor(t) + 1):
//      floor(w) = floor(t) = R and frac(w) > 2 eps. Such lanes are never undecided while |t| < 256
//      (beyond, any 8-bit output saturates, E7; the check may still fire there):
//      M0 = 2^30 (a power-of-two scale) with e <= 10, 3 * 2^29 with e <= 9, 7 * 2^28 with e <= 8,
//      ... stay on the fast path, where an ordinary offset would put every integer t (for M0 =
//      2^30 and e = 4, one lane in 32) on the fallback. Coarser multipliers with larger e
//      (G >= 12) keep d = eps: a grid of 2^-12 or finer hits [n - eps, n + eps) no more often
//      than spread-out values do.
// (E7) |t| >= 256 (the estimate is used for 8-bit outputs only): floor(w) may differ from R, but
//      if t >= 256, R >= 256 and w > t - (3t + 5) u > 255; if t <= -256, R <= -256 and
//      w < t + 3 eps + (3|t| + 5) u < -255, so floor(w) <= -256. Adding any output zero point of
//      the type (int8: -128..127, uint8: 0..255) and clamping to its range gives the same byte.
// M0 = 0 gives 0 for any e (the reference's SRDHM is (0 + 2^30) >> 31 = 0), so e = 1 is used:
// t = c, a coarse channel.
#ifndef QKERNELS_KERNELS_X86_REQUANTIZE_ESTIMATE_H_
#define QKERNELS_KERNELS_X86_REQUANTIZE_ESTIMATE_H_

#include <cstdint>

namespace qk {
namespace common {

// The estimate applies to channels with 1 <= e = -shift <= kMaxEstimateE (or M0 = 0) (E1, E2).
constexpr int kMaxEstimateE = 22;
// The margin eps of (E2, E5) and the offset of coarse channels (E6).
constexpr float kEstimateEps = 1.0f / 8192;  // 2^-13
constexpr float kCoarseOffset = 3 * kEstimateEps;
constexpr int kMaxCoarseGridBits = 11;
// Results within this bound are exact; beyond, only their 8-bit output is (E5, E7).
constexpr int kEstimateExactBelow = 256;

// Whether t of a channel lies on a grid of 2^-11 or coarser (E6), for an e in [1, 22] (any e
// when M0 = 0).
inline bool CoarseGrid(int32_t multiplier, int e, bool single_rounding) {
  if (multiplier == 0) return true;
  const int k = __builtin_ctz(static_cast<uint32_t>(multiplier));
  const int fine = 31 + e - k, step = single_rounding ? 1 : e + 1;
  return (fine > step ? fine : step) <= kMaxCoarseGridBits;
}

}  // namespace common
}  // namespace qk

#endif  // QKERNELS_KERNELS_X86_REQUANTIZE_ESTIMATE_H_
