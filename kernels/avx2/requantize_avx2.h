// AVX2 requantization epilogue shared by the kernels of this folder only (compiled with -mavx2):
// per-channel parameters prepared at pack time, the vector MultiplyByQuantizedMultiplier for both
// rounding modes (bit-identical to qk::MultiplyByQuantizedMultiplier), clamp, and narrowing stores.
#ifndef QKERNELS_KERNELS_AVX2_REQUANTIZE_AVX2_H_
#define QKERNELS_KERNELS_AVX2_REQUANTIZE_AVX2_H_

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "kernels/x86/requantize_estimate.h"
#include "kernels/x86/store_first_bytes.h"
#include "core/kernel.h"

#define QK_AVX2_INLINE inline __attribute__((always_inline))

namespace qk {
namespace avx2 {

// Per-channel epilogue parameters, each array padded with zeros to ChannelParamsStride(out_c)
// so that a 16-wide load at any channel < out_c stays inside.
//   double rounding: a = left shift max(shift, 0),  b = right shift max(-shift, 0)
//   single rounding: a = unused,                    b = total shift 31 - shift (1..62)
// and, as float bit patterns, the constants of RequantizeEstimate: m, c_pos, c_neg.
struct ChannelParams {
  const int32_t* bias;
  const int32_t* multiplier;
  const int32_t* a;
  const int32_t* b;
  const int32_t* m;
  const int32_t* c_pos;
  const int32_t* c_neg;
  bool any_left_shift;      // double rounding: some shift > 0
  bool any_min_multiplier;  // some multiplier == INT32_MIN (never, through the validated API)
  bool estimate;            // 8-bit output and every channel allows RequantizeEstimate
};

inline size_t ChannelParamsStride(int out_c) { return (size_t(out_c) + 31) / 16 * 16; }

// Fills data->packed_bias with [bias | multiplier | a | b | m | c_pos | c_neg] (7 arrays of
// ChannelParamsStride) followed by the three flags of ChannelParams.
void PackChannelParams(const internal::OpDesc& d, internal::PackedData* data);
ChannelParams GetChannelParams(const internal::OpDesc& d, const internal::PackedData& data);

// Clamp bounds and output zero point as vectors: the scaled value is clamped to
// [act_min - zp, act_max - zp] and then zp is added, which equals clamp(scaled + zp) exactly.
// The flags let the double-rounding path skip steps that are identities for this op's channels.
struct Epilogue {
  __m256i lo, hi, zp;
  bool single_rounding;
  bool left_shift = true, saturation = true, estimate = false;
  explicit Epilogue(const internal::OpDesc& d)
      : lo(_mm256_set1_epi32(d.act_min - d.output_zp)),
        hi(_mm256_set1_epi32(d.act_max - d.output_zp)),
        zp(_mm256_set1_epi32(d.output_zp)),
        single_rounding(d.rounding == Rounding::kSingle) {}
  Epilogue(const internal::OpDesc& d, const ChannelParams& cp) : Epilogue(d) {
    left_shift = cp.any_left_shift;
    saturation = cp.any_min_multiplier;
    estimate = cp.estimate;
  }
};

// The per-channel values of 8 channels in registers, with everything that depends only on the
// channel computed once per tile (the rows of a tile share them).
struct ChannelVec {
  __m256i bias, mult, mult_odd;  // mult_odd: the odd lanes' multipliers moved to even positions
  __m256i s0, s1, s2, s3;  // double: lshift, rshift, 2^rshift - 1, (2^rshift - 1) >> 1
                           // single: even / odd 64-bit total shifts, even / odd rounding terms
  __m256 m, c_pos, c_neg;  // RequantizeEstimate (when the epilogue's estimate flag is set)
};

QK_AVX2_INLINE ChannelVec LoadChannelVec(const ChannelParams& cp, size_t c, bool single_rounding) {
  auto load = [c](const int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + c));
  };
  ChannelVec v;
  if (cp.estimate) {
    v.m = _mm256_castsi256_ps(load(cp.m));
    v.c_pos = _mm256_castsi256_ps(load(cp.c_pos));
    v.c_neg = _mm256_castsi256_ps(load(cp.c_neg));
  }
  v.bias = load(cp.bias);
  v.mult = load(cp.multiplier);
  v.mult_odd = _mm256_srli_epi64(v.mult, 32);
  const __m256i b = load(cp.b);
  if (single_rounding) {
    const __m256i one = _mm256_set1_epi64x(1);
    v.s0 = _mm256_and_si256(b, _mm256_set1_epi64x(0xFFFFFFFF));
    v.s1 = _mm256_srli_epi64(b, 32);
    v.s2 = _mm256_sllv_epi64(one, _mm256_sub_epi64(v.s0, one));
    v.s3 = _mm256_sllv_epi64(one, _mm256_sub_epi64(v.s1, one));
  } else {
    const __m256i one = _mm256_set1_epi32(1);
    v.s0 = load(cp.a);
    v.s1 = b;
    v.s2 = _mm256_sub_epi32(_mm256_sllv_epi32(one, b), one);  // b = 31 gives 0x7FFFFFFF
    v.s3 = _mm256_srli_epi32(v.s2, 1);
  }
  return v;
}

// Double rounding: RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x << lshift, M), rshift).
QK_AVX2_INLINE __m256i RequantizeDouble(__m256i x, const ChannelVec& v, const Epilogue& e) {
  // vpsllvd keeps the low 32 bits: the same wrap-around as the scalar uint32 shift. (Skipped
  // when every left shift is 0.)
  const __m256i xs = e.left_shift ? _mm256_sllv_epi32(x, v.s0) : x;
  // SRDHM: the scalar form (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31 truncated toward zero equals
  // floor((ab + 2^30) / 2^31) for every int64 ab (ties go toward +inf in both), so one 64-bit add
  // and a shift suffice; only bits 31..62 are kept, which is the whole result whenever it fits.
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i p_even = _mm256_add_epi64(_mm256_mul_epi32(xs, v.mult), nudge);
  const __m256i p_odd =
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(xs, 32), v.mult_odd), nudge);
  const __m256i q_even = _mm256_srli_epi64(p_even, 31);  // bits 31..62 -> low dword
  const __m256i q_odd = _mm256_slli_epi64(p_odd, 1);     // bits 31..62 -> high dword
  __m256i q = _mm256_blend_epi32(q_even, q_odd, 0xAA);
  // The one overflowing lane, INT32_MIN * INT32_MIN, yields floor(2^62 / 2^31) = 2^31, whose low
  // dword is INT32_MIN; flipping all its bits gives the saturated INT32_MAX like the scalar code.
  // Validation keeps multipliers >= 0, so the fix-up only runs when the pack saw an INT32_MIN
  // multiplier (e.saturation); otherwise no lane can be INT32_MIN * INT32_MIN.
  if (e.saturation) {
    const __m256i min = _mm256_set1_epi32(INT32_MIN);
    const __m256i sat =
        _mm256_and_si256(_mm256_cmpeq_epi32(xs, min), _mm256_cmpeq_epi32(v.mult, min));
    q = _mm256_xor_si256(q, sat);
  }
  // RoundingDivideByPOT: (q >> b) + (remainder > threshold), threshold = mask/2 + (q < 0): ties
  // round away from zero. mask = 2^b - 1 (b = 31 gives 0x7FFFFFFF), so remainder and threshold are
  // both non-negative and the signed compare is the scalar unsigned/64-bit one.
  const __m256i remainder = _mm256_and_si256(q, v.s2);
  const __m256i negative = _mm256_cmpgt_epi32(_mm256_setzero_si256(), q);  // -1 where q < 0
  const __m256i threshold = _mm256_sub_epi32(v.s3, negative);
  const __m256i round_up = _mm256_cmpgt_epi32(remainder, threshold);  // -1 where rounding up
  return _mm256_sub_epi32(_mm256_srav_epi32(q, v.s1), round_up);
}

// Arithmetic right shift of int64 lanes by per-lane counts 0..63 (AVX2 has no vpsraq):
// sra(v, t) = srl(v ^ s, t) ^ s with s the sign mask, exact for every count.
QK_AVX2_INLINE __m256i Sra64(__m256i v, __m256i count) {
  const __m256i s = _mm256_cmpgt_epi64(_mm256_setzero_si256(), v);
  return _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(v, s), count), s);
}

// Single rounding: (x * M + 2^(t-1)) >> t with t = 31 - shift in [1, 62], then the low 32 bits.
// |x * M| < 2^62, so the 64-bit sum never wraps; the arithmetic shift (ties toward +inf, like
// the scalar floor) is exact through Sra64.
QK_AVX2_INLINE __m256i RequantizeSingle(__m256i x, const ChannelVec& v) {
  const __m256i p_even = _mm256_add_epi64(_mm256_mul_epi32(x, v.mult), v.s2);
  const __m256i p_odd =
      _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), v.mult_odd), v.s3);
  const __m256i r_even = Sra64(p_even, v.s0);
  const __m256i r_odd = _mm256_slli_epi64(Sra64(p_odd, v.s1), 32);
  return _mm256_blend_epi32(r_even, r_odd, 0xAA);
}

// The float estimate of the scaled value for 8-bit outputs, proven in
// kernels/x86/requantize_estimate.h: R = floor(t) (E1), t = x*M0/2^(31+e) + c, for
// 1 <= e = -shift <= 22; w = fl(fl(x)*m + (c + d)) is within eps = 2^-13 of t + d while |t| < 256
// in any MXCSR rounding mode and with FTZ/DAZ (E2, E3), so floor(w) = R whenever
// frac(w) >= 2 eps (E5), and always on coarse channels (E6); beyond, both saturate any 8-bit
// output stage alike (E7). vroundps floors with an explicit mode and frac(w) is decided exactly
// (E4). Returns false (undecided) when some lane has frac(w) < 2 eps.
using common::kEstimateEps;
QK_AVX2_INLINE bool RequantizeEstimate(__m256i x, const ChannelVec& v, __m256i* scaled) {
  const __m256 a = _mm256_cvtepi32_ps(x);
  const __m256 c = _mm256_blendv_ps(v.c_pos, v.c_neg, _mm256_castsi256_ps(x));  // by sign
  const __m256 w = _mm256_fmadd_ps(a, v.m, c);
  const __m256 f = _mm256_floor_ps(w);
  const __m256 undecided =
      _mm256_cmp_ps(_mm256_sub_ps(w, f), _mm256_set1_ps(2 * kEstimateEps), _CMP_LT_OQ);
  *scaled = _mm256_cvttps_epi32(f);  // f is an integer below 2^30 + 2 in magnitude
  return _mm256_movemask_ps(undecided) == 0;
}

// acc (+ bias, wrapping) -> clamped output value + zero point, for 8 channels.
QK_AVX2_INLINE __m256i Requantize8(__m256i acc, const ChannelVec& v, const Epilogue& e) {
  const __m256i x = _mm256_add_epi32(acc, v.bias);  // vpaddd wraps like WrappingAdd
  __m256i scaled;
  if (!e.estimate || __builtin_expect(!RequantizeEstimate(x, v, &scaled), 0)) {
    scaled = e.single_rounding ? RequantizeSingle(x, v) : RequantizeDouble(x, v, e);
  }
  const __m256i clamped = _mm256_min_epi32(_mm256_max_epi32(scaled, e.lo), e.hi);
  return _mm256_add_epi32(clamped, e.zp);
}

QK_AVX2_INLINE __m256i Requantize8(__m256i acc, const ChannelParams& cp, size_t c,
                                   const Epilogue& e) {
  return Requantize8(acc, LoadChannelVec(cp, c, e.single_rounding), e);
}

// Stores the first n (<= 16) of 16 in-range int32 values v0 (0..7), v1 (8..15) as OutT.
template <typename OutT>
QK_AVX2_INLINE void Store16(OutT* out, __m256i v0, __m256i v1, int n) {
  // packs works per 128-bit lane: 0xD8 restores the order 0..7, 8..15.
  const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
  if (sizeof(OutT) == 2) {
    if (n == 16) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), w);
    } else if (n > 8) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(w));
      x86::StoreFirstBytes(out + 8, _mm256_extracti128_si256(w, 1), size_t(n - 8) * 2);
    } else {
      x86::StoreFirstBytes(out, _mm256_castsi256_si128(w), size_t(n) * 2);
    }
    return;
  }
  const __m128i lo = _mm256_castsi256_si128(w), hi = _mm256_extracti128_si256(w, 1);
  // Values are already clamped to the output type's range, so either pack is exact.
  const __m128i b = std::is_signed<OutT>::value ? _mm_packs_epi16(lo, hi) : _mm_packus_epi16(lo, hi);
  if (n == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
  } else {
    x86::StoreFirstBytes(out, b, size_t(n));
  }
}

// Stores the first n (<= 8) of 8 in-range int32 values as OutT.
template <typename OutT>
QK_AVX2_INLINE void Store8(OutT* out, __m256i v, int n) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i b = sizeof(OutT) == 2              ? w
                    : std::is_signed<OutT>::value ? _mm_packs_epi16(w, w)
                                                  : _mm_packus_epi16(w, w);
  if (n == 8) {
    if (sizeof(OutT) == 2) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
    } else {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out), b);
    }
    return;
  }
  x86::StoreFirstBytes(out, b, size_t(n) * sizeof(OutT));
}

// Widens n activations to int16 and subtracts the zero point (n elements read, n written).
void WidenSubtract(const int8_t* src, int32_t zp, int n, int16_t* dst);
void WidenSubtract(const uint8_t* src, int32_t zp, int n, int16_t* dst);
void WidenSubtract(const int16_t* src, int32_t zp, int n, int16_t* dst);

}  // namespace avx2
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX2_REQUANTIZE_AVX2_H_
