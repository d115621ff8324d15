// AVX-512 requantization of 16 int32 accumulators (one per output channel lane), bit-identical to
// reference::RequantizeAccumulator for both rounding modes. Included only by files of this folder
// (compiled with the avx512vnni flags), so nothing ISA-specific leaks into shared headers.
#ifndef QKERNELS_KERNELS_AVX512VNNI_REQUANTIZE_AVX512VNNI_H_
#define QKERNELS_KERNELS_AVX512VNNI_REQUANTIZE_AVX512VNNI_H_

// GCC 12 reports a false -Wmaybe-uninitialized inside the AVX-512 headers (_mm512_undefined_*,
// GCC PR105593, fixed in 12.3): silenced for these system headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "kernels/x86/requantize_estimate.h"
#include "qkernels/requantize.h"

namespace qk {
namespace avx512vnni {

// Per-lane constants derived once per vector of 16 channels, reused for every row.
struct Requant16 {
  __m512i mult, mult_odd;  // M0, and M0 moved to the low half of each 64-bit lane
  __m512i left, right;     // double: max(shift, 0), max(-shift, 0)
  __m512i rmask, rhalf;    // double: 2^right - 1, (2^right - 1) >> 1
  __m512i cnt_even, cnt_odd, round_even, round_odd;  // single: 31 - shift and 2^(30 - shift)
  bool single;
  // The float estimate (ScaleEstimate): usable when every lane has 1 <= -shift <= kMaxEstimateE
  // or M0 = 0. m ~ M0 / 2^(31+e); c_pos / c_neg = the rounding offset for a >= 0 / a < 0, plus
  // the lane's offset d (E5, E6). (Meaningless when `estimate` is false.)
  bool estimate;
  __m512 m, c_pos, c_neg;
};

using common::kEstimateEps;
using common::kMaxEstimateE;

static inline Requant16 MakeRequant16(const int32_t* multiplier, const int32_t* shift,
                                      Rounding rounding) {
  Requant16 q;
  const __m512i s = _mm512_loadu_si512(shift);
  q.mult = _mm512_loadu_si512(multiplier);
  q.mult_odd = _mm512_srli_epi64(q.mult, 32);
  q.single = rounding == Rounding::kSingle;
  const bool single = q.single;
  const __m512i zero = _mm512_setzero_si512();
  q.left = _mm512_max_epi32(s, zero);
  q.right = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
  q.rmask = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), q.right),
                             _mm512_set1_epi32(1));
  q.rhalf = _mm512_srli_epi32(q.rmask, 1);
  const __m512i total = _mm512_sub_epi32(_mm512_set1_epi32(31), s);  // in [1, 62]
  q.cnt_even = _mm512_and_si512(total, _mm512_set1_epi64(0xFFFFFFFF));
  q.cnt_odd = _mm512_srli_epi64(total, 32);
  const __m512i one64 = _mm512_set1_epi64(1);
  q.round_even = _mm512_sllv_epi64(one64, _mm512_sub_epi64(q.cnt_even, one64));
  q.round_odd = _mm512_sllv_epi64(one64, _mm512_sub_epi64(q.cnt_odd, one64));
  // The estimate's constants, from bit patterns (exact): 2^k as a float is (127 + k) << 23.
  // M0 = 0 gives 0 for any e (the reference's SRDHM is (0 + 2^30) >> 31 = 0), so e = 1 is used.
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i e = _mm512_mask_blend_epi32(_mm512_cmpeq_epi32_mask(q.mult, zero),
                                            _mm512_sub_epi32(zero, s), one);
  const __mmask16 in_range = _mm512_cmpge_epi32_mask(e, one) &
                             _mm512_cmple_epi32_mask(e, _mm512_set1_epi32(kMaxEstimateE));
  q.estimate = in_range == 0xFFFF;
  auto pow2 = [](__m512i k) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
  };
  // m = fl(M0) / 2^(31+e): M0 rounded to float (relative error <= 2^-24), scaled exactly.
  q.m = _mm512_mul_ps(_mm512_cvtepi32_ps(q.mult),
                      pow2(_mm512_sub_epi32(_mm512_set1_epi32(-31), e)));
  // c + d = 1/2 + d +- 2^-(e+1) (double) or 1/2 + d (single): every bit lies in [2^-23, 2^-1]
  // because e <= 22, so the sums are exact. The offset d is 3 eps on coarse channels (E6), else
  // eps (E5): CoarseGrid's "k >= 20 + e" (k = M0's trailing zeros) is M0 & (2^(20+e) - 1) == 0,
  // where vpsllvd gives 0 for a count of 32 or more (e > 11: only M0 = 0 passes, as in
  // CoarseGrid), and double rounding also needs e <= 10 (its grid step 2^-(e+1)).
  const __m512i low_bits =
      _mm512_sub_epi32(_mm512_sllv_epi32(one, _mm512_add_epi32(e, _mm512_set1_epi32(20))), one);
  __mmask16 coarse = _mm512_cmpeq_epi32_mask(_mm512_and_si512(q.mult, low_bits), zero);
  if (!single) coarse &= _mm512_cmple_epi32_mask(e, _mm512_set1_epi32(10));
  const __m512 base = _mm512_mask_blend_ps(coarse, _mm512_set1_ps(0.5f + kEstimateEps),
                                           _mm512_set1_ps(0.5f + common::kCoarseOffset));
  const __m512 half_step =
      single ? _mm512_setzero_ps() : pow2(_mm512_sub_epi32(zero, _mm512_add_epi32(e, one)));
  q.c_pos = _mm512_add_ps(base, half_step);
  q.c_neg = _mm512_sub_ps(base, half_step);
  return q;
}

// Double rounding: RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x << left, M0), right).
static inline __m512i ScaleDouble(__m512i x, const Requant16& q) {
  // vpsllvd wraps mod 2^32 exactly like the reference's uint32 shift.
  const __m512i a = _mm512_sllv_epi32(x, q.left);
  // SRDHM: exact 64-bit products of the even and odd lanes (vpmuldq), + 2^30, floor-divided by
  // 2^31 = round(a*M0 / 2^31) with ties toward +inf, which is gemmlowp's nudge-and-truncate for
  // either sign. The reference's saturating lane (a == M0 == INT32_MIN) cannot occur: M0 >= 0 by
  // validation, so |a*M0| < 2^62 and the quotient always fits int32; its low 32 bits are taken.
  const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
  const __m512i p_even = _mm512_add_epi64(_mm512_mul_epi32(a, q.mult), nudge);
  const __m512i p_odd =
      _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(a, 32), q.mult_odd), nudge);
  // Bits 31..62 of each product: even lanes by a right shift of 31, odd lanes (high half) by a
  // left shift of 1; the sign bit above them is discarded, so a logical shift is exact here.
  const __m512i high = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(p_even, 31),
                                               _mm512_slli_epi64(p_odd, 1));
  // RoundingDivideByPOT: floor shift, +1 when the remainder exceeds half the divisor, where the
  // threshold is one higher for negative x: ties round away from zero, as in gemmlowp.
  const __m512i remainder = _mm512_and_si512(high, q.rmask);
  const __m512i threshold = _mm512_add_epi32(q.rhalf, _mm512_srli_epi32(high, 31));
  const __m512i floor = _mm512_srav_epi32(high, q.right);
  const __mmask16 up = _mm512_cmpgt_epi32_mask(remainder, threshold);
  return _mm512_mask_add_epi32(floor, up, floor, _mm512_set1_epi32(1));
}

// Single rounding: (x * M0 + 2^(total-1)) >> total with total = 31 - shift, in 64 bits per lane
// (|x*M0| < 2^62, so the sum cannot overflow); vpsravq floors like the reference's >>, and the
// low 32 bits are kept like its int32 truncation.
static inline __m512i ScaleSingle(__m512i x, const Requant16& q) {
  const __m512i p_even = _mm512_add_epi64(_mm512_mul_epi32(x, q.mult), q.round_even);
  const __m512i p_odd =
      _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), q.mult_odd), q.round_odd);
  const __m512i r_even = _mm512_srav_epi64(p_even, q.cnt_even);
  const __m512i r_odd = _mm512_srav_epi64(p_odd, q.cnt_odd);
  return _mm512_mask_blend_epi32(0xAAAA, r_even, _mm512_slli_epi64(r_odd, 32));
}

// MultiplyByQuantizedMultiplier of 16 lanes, before the output zero point and the clamp.
static inline __m512i Scale16(__m512i acc, const Requant16& q) {
  return q.single ? ScaleSingle(acc, q) : ScaleDouble(acc, q);
}

// A cheaper route to the same bytes, for lanes with 1 <= e = -shift <= 22 (or M0 = 0), proven in
// kernels/x86/requantize_estimate.h: R = floor(t) (E1); w = fl(fl(a) * m + (c + eps)) lies within
// eps of t + eps while |t| < 256, in any MXCSR rounding mode and with FTZ/DAZ (E2, E3); floor and
// frac use explicit roundings (E4). A lane with frac(w) < 2 eps is reported undecided (E5) and
// the caller computes the vector exactly with Scale16. Where |t| >= 256, floor(w) may differ from
// R but gives the same byte after any 8-bit output stage (E7): the estimate is only for 8-bit
// outputs. Coarse channels (E6: M0 with few significant bits and a small e, e.g. M0 = 2^30 with
// e <= 10) carry the offset d = 3 eps in c_pos / c_neg and are never undecided while |t| < 256.
static inline __m512i ScaleEstimate(__m512i acc, const Requant16& q, __mmask16* undecided) {
  const __m512 a = _mm512_cvtepi32_ps(acc);
  const __m512 c = _mm512_mask_blend_ps(_mm512_movepi32_mask(acc), q.c_pos, q.c_neg);
  const __m512 w = _mm512_fmadd_ps(a, q.m, c);
  const __m512 frac = _mm512_reduce_ps(w, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  *undecided = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(2 * kEstimateEps), _CMP_LT_OQ);
  return _mm512_cvt_roundps_epi32(w, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}

// Scale16 of N vectors: by the estimate when every vector allows it and no lane is undecided,
// else exactly.
// Always inlined: an outlined copy passes the vectors through memory (GCC's inliner gives up on
// it once a file grows, and the small-K kernel then ran at half speed).
template <int N>
[[gnu::always_inline]] static inline void ScaleVectors(const __m512i* acc,
                                                       const Requant16* const* q, bool estimate,
                                                       __m512i* y) {
  if (estimate) {
    __mmask16 undecided = 0;
#pragma GCC unroll 16
    for (int v = 0; v < N; ++v) {
      __mmask16 u;
      y[v] = ScaleEstimate(acc[v], *q[v], &u);
      undecided |= u;
    }
    if (__builtin_expect(undecided == 0, 1)) return;
  }
#pragma GCC unroll 16
  for (int v = 0; v < N; ++v) y[v] = Scale16(acc[v], *q[v]);
}

// The output zero point and activation clamp, applied to 64 outputs at once.
struct OutputStage {
  __m512i zp;      // int16 lanes
  __m512i lo, hi;  // bytes: act_min, act_max
  bool u8;
};
static inline OutputStage MakeOutputStage(int32_t zp, int32_t act_min, int32_t act_max, bool u8) {
  return {_mm512_set1_epi16(static_cast<int16_t>(zp)), _mm512_set1_epi8(static_cast<char>(act_min)),
          _mm512_set1_epi8(static_cast<char>(act_max)), u8};
}

// clamp(v + zp, act_min, act_max) of four vectors of scaled int32 lanes, narrowed to 64 bytes in
// the in-lane order of the packs: byte 16L + 4i + p = v[i] lane 4L + p. Equal to the reference's
// 64-bit clamp(scaled + zp): vpackssdw saturates to int16 and vpaddsw adds zp saturating; both are
// monotone, and whenever they saturate (|scaled| > 32767 - 255) the exact sum is already beyond
// the 8-bit range, on the same side. vpacksswb / vpackuswb then saturate to the type's range, and
// the clamp to [act_min, act_max] (inside that range) is done on bytes.
static inline __m512i RequantizedBytesInLane(__m512i v0, __m512i v1, __m512i v2, __m512i v3,
                                             const OutputStage& o) {
  const __m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(v0, v1), o.zp);
  const __m512i w23 = _mm512_adds_epi16(_mm512_packs_epi32(v2, v3), o.zp);
  if (o.u8) {
    return _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(w01, w23), o.lo), o.hi);
  }
  return _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(w01, w23), o.lo), o.hi);
}

// Reorders RequantizedBytesInLane's bytes so that byte 16i + l = v[i] lane l
// (dword 4i + L <- dword 4L + i).
static inline __m512i InLaneToLinear(__m512i packed) {
  const __m512i index = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_epi32(index, packed);
}

// The first n (0..64) bits set.
static inline __mmask64 FirstBytes(int n) {
  return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
}

}  // namespace avx512vnni
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX512VNNI_REQUANTIZE_AVX512VNNI_H_
