// Vectorized TFLite requantization on NEON (4 int32 lanes), shared by the Arm levels (neon,
// neondot, i8mm). Every function is `static inline`: each file that includes this header gets its
// own copy compiled with its own -march flags, so an i8mm-compiled copy can never be the one a
// plain NEON CPU runs (the ODR trap of inline functions shared across ISA flags).
#ifndef QKERNELS_KERNELS_ARM_REQUANTIZE_ARM_H_
#define QKERNELS_KERNELS_ARM_REQUANTIZE_ARM_H_

#include <arm_neon.h>

#include <cstdint>

#include "qkernels/requantize.h"

namespace qk {
namespace arm {

// SaturatingRoundingDoublingHighMul(a, b) == vqrdmulhq_s32(a, b), with no fix-up.
// vqrdmulh computes sat((2ab + 2^31) >> 32) = sat(floor((ab + 2^30) / 2^31)).
// gemmlowp adds nudge = ab >= 0 ? 2^30 : 1 - 2^30 and divides by 2^31 truncating toward zero.
//  - ab >= 0: trunc((ab + 2^30) / 2^31) = floor((ab + 2^30) / 2^31).
//  - ab = -t < 0: trunc((1 - 2^30 - t) / 2^31) = -floor((t + 2^30 - 1) / 2^31)
//    = -ceil((t - 2^30) / 2^31)            [ceil(n/d) = floor((n + d - 1)/d), d = 2^31]
//    = floor((2^30 - t) / 2^31) = floor((ab + 2^30) / 2^31).
// So both are round(ab / 2^31) with ties toward +inf, for negative products too (e.g. ab = -2^30
// gives 0 in both: -0.5 rounds up). The one overflowing input, a = b = INT32_MIN, gives 2^31:
// vqrdmulh saturates it to INT32_MAX, exactly gemmlowp's special case.
static inline int32x4_t SaturatingRoundingDoublingHighMul(int32x4_t a, int32x4_t b) {
  return vqrdmulhq_s32(a, b);
}

// RoundingDivideByPOT(x, e) (ties away from zero) for per-lane exponents e in [0, 31], given as
// neg_e = -e. vrshlq_s32(x, -e) computes floor((x + 2^(e-1)) / 2^e) in exact (wider) arithmetic:
// ties toward +inf. RDBP rounds up iff the remainder r = x mod 2^e exceeds 2^(e-1) - 1 (x >= 0)
// or 2^(e-1) (x < 0). For x >= 0 that is exactly vrshl. For x < 0 and e > 0, RDBP equals
// floor((x - 1 + 2^(e-1)) / 2^e) (adding 2^(e-1) - 1 carries iff r >= 2^(e-1) + 1), i.e. vrshl of
// x - 1. fixup = (x & neg_e) >> 31 is -1 exactly when x < 0 and e > 0 (the sign bit of neg_e is
// set iff e > 0), else 0. vqadd saturates only for x = INT32_MIN, where INT32_MIN stays put:
// y = -2^31 + 2^(e-1) = 2^(e-1) * odd is not a multiple of 2^e for e <= 31, hence
// floor(y / 2^e) = floor((y - 1) / 2^e) and the result is still exact. For e = 0 both are x.
static inline int32x4_t RoundingDivideByPOT(int32x4_t x, int32x4_t neg_e) {
  const int32x4_t fixup = vshrq_n_s32(vandq_s32(x, neg_e), 31);
  return vrshlq_s32(vqaddq_s32(x, fixup), neg_e);
}

// Double rounding (TFLite default): RDBP(SRDHM(x << left, M), right), left = max(shift, 0),
// right = max(-shift, 0). The left shift is vshlq_s32 (sshl) by a non-negative count: bits shifted
// out are lost (wraps mod 2^32, as the reference's uint32 shift); then vqrdmulh (sqrdmulh) and
// the rounding shift (sqadd + srshl) above, each equal to its scalar step.
static inline int32x4_t MultiplyByQuantizedMultiplierDouble(int32x4_t x, int32x4_t m,
                                                             int32x4_t shift) {
  const int32x4_t zero = vdupq_n_s32(0);
  const int32x4_t left = vmaxq_s32(shift, zero);
  const int32x4_t neg_right = vminq_s32(shift, zero);
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(vshlq_s32(x, left), m), neg_right);
}

// Single rounding (TFLITE_SINGLE_ROUNDING): floor((x*M + 2^(t-1)) / 2^t), t = 31 - shift in
// [1, 62], truncated to int32. smull gives the exact 64-bit product (|x*M| <= 2^62);
// vrshlq_s64(p, -t) is floor((p + 2^(t-1)) / 2^t) computed without overflow; vmovn keeps the low
// 32 bits, as the reference's final cast does.
static inline int32x4_t MultiplyByQuantizedMultiplierSingle(int32x4_t x, int32x4_t m,
                                                             int32x4_t shift) {
  const int32x4_t neg_t = vsubq_s32(shift, vdupq_n_s32(31));
  const int64x2_t lo = vrshlq_s64(vmull_s32(vget_low_s32(x), vget_low_s32(m)),
                                  vmovl_s32(vget_low_s32(neg_t)));
  const int64x2_t hi = vrshlq_s64(vmull_high_s32(x, m), vmovl_high_s32(neg_t));
  return vcombine_s32(vmovn_s64(lo), vmovn_s64(hi));
}

static inline int32x4_t MultiplyByQuantizedMultiplier(int32x4_t x, int32x4_t m, int32x4_t shift,
                                                      Rounding rounding) {
  return rounding == Rounding::kSingle ? MultiplyByQuantizedMultiplierSingle(x, m, shift)
                                       : MultiplyByQuantizedMultiplierDouble(x, m, shift);
}

// The output zero point and the activation clamp: clamp(scaled + zp, act_min, act_max) as the
// reference computes it in 64 bits equals clamp(scaled, act_min - zp, act_max - zp) + zp, whose
// every step stays inside int32 (scaled is an int32, |zp| <= 255).
struct OutputStage {
  int32x4_t lo_minus_zp, hi_minus_zp, zp;
  bool single;  // Rounding::kSingle
};

static inline OutputStage MakeOutputStage(int32_t zp, int32_t act_min, int32_t act_max,
                                          Rounding rounding) {
  return {vdupq_n_s32(act_min - zp), vdupq_n_s32(act_max - zp), vdupq_n_s32(zp),
          rounding == Rounding::kSingle};
}

// acc + bias (wrapping, like the reference's int32 sum) -> the clamped output value with its zero
// point, for 4 channels with multipliers m and shifts s.
static inline int32x4_t RequantizeLanes(int32x4_t acc, int32x4_t bias, int32x4_t m, int32x4_t s,
                                        const OutputStage& o) {
  const int32x4_t x = vaddq_s32(acc, bias);
  const int32x4_t scaled = o.single ? MultiplyByQuantizedMultiplierSingle(x, m, s)
                                    : MultiplyByQuantizedMultiplierDouble(x, m, s);
  return vaddq_s32(vminq_s32(vmaxq_s32(scaled, o.lo_minus_zp), o.hi_minus_zp), o.zp);
}

// Eight output values (inside the int8 or uint8 range) as bytes: vmovn keeps the low bits, which
// for a value of the output type's range is the value itself.
static inline uint8x8_t NarrowToBytes(int32x4_t lo, int32x4_t hi) {
  return vreinterpret_u8_s8(vmovn_s16(vcombine_s16(vmovn_s32(lo), vmovn_s32(hi))));
}

}  // namespace arm
}  // namespace qk

#endif  // QKERNELS_KERNELS_ARM_REQUANTIZE_ARM_H_
