// qkernels: TFLite-exact fixed-point requantization.
//
// A real multiplier M = S_in * S_w / S_out is stored as an int32 M0 in [2^30, 2^31) (Q0.31, i.e.
// [0.5, 1)) and a power-of-two exponent `shift` (positive = left), M ~= M0 * 2^(shift - 31)
// (Jacob et al. 2018, arXiv:1712.05877, eq. 5-6). Applying it to an int32 accumulator is done with
// integer arithmetic only, exactly as TFLite does.
#ifndef QKERNELS_REQUANTIZE_H_
#define QKERNELS_REQUANTIZE_H_

#include <cstdint>

namespace qk {

// How MultiplyByQuantizedMultiplier rounds. TFLite chooses one at build time
// (TFLITE_SINGLE_ROUNDING); qkernels takes it at run time.
enum class Rounding {
  kDouble,  // TFLite default: SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT
  kSingle,  // TFLITE_SINGLE_ROUNDING=1: one rounding of x*M0*2^(shift-31), ties toward +inf
};

struct QuantizedMultiplier {
  int32_t multiplier = 0;  // 0, or in [2^30, 2^31-1]
  int shift = 0;           // positive = left shift
};

// TFLite's QuantizeMultiplier(double). Contract: `real_multiplier` is finite and >= 0 (negative
// or NaN input returns {0, 0}; callers validate scales before). Exact rules:
// frexp, round half away from zero to Q31, the 2^31 corner becomes 2^30 with shift+1, shifts below
// -31 flush to {0, 0}; with Rounding::kSingle a shift above 30 saturates to {2^31-1, 30}.
// Every step is exact or specified independently of the rounding mode, so the result is the same
// in any floating-point environment (any rounding mode, FTZ/DAZ).
QuantizedMultiplier QuantizeMultiplier(double real_multiplier,
                                       Rounding rounding = Rounding::kDouble);

// Effective scales as TFLite derives them (FORMAT.md section 5). Which rule an op uses:
//   rule D  CONV_2D and DEPTHWISE_CONV_2D, int8 and int16x8, per-channel or per-tensor filter
//           scales (TFLite's PopulateConvolutionQuantizationParams, kernel_util.cc);
//           FULLY_CONNECTED with per-channel filter scales (fully_connected_common.cc)
//   rule F  FULLY_CONNECTED with one filter scale (int8, uint8, int16x8) and every uint8 op
//           (GetQuantizedConvolutionMultipler, kernel_util.cc)
// Both return TFLite's value, i.e. the one computed under the default floating-point
// environment, whatever the calling thread's rounding mode and FTZ/DAZ: they compute under
// FE_DFL_ENV and restore the caller's environment (its mode and exception flags) before returning.
// Rule D: double(input_scale) * double(filter_scale) / double(output_scale).
double EffectiveScalePerChannel(float input_scale, float filter_scale, float output_scale);
// Rule F: double(float(input_scale * filter_scale)) / double(output_scale), the product rounded
// to float first.
double EffectiveScalePerTensor(float input_scale, float filter_scale, float output_scale);

// gemmlowp's SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties toward +inf; the only
// overflowing input, a == b == INT32_MIN, saturates to INT32_MAX.
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);

// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
// Contract: 0 <= exponent <= 31 (checked: out-of-range exponents are clamped into it).
int32_t RoundingDivideByPOT(int32_t x, int exponent);

// TFLite's MultiplyByQuantizedMultiplier(int32 x, multiplier, shift).
// Contract: multiplier is 0 or in [2^30, 2^31-1]; shift in [-31, 30]. In double rounding with
// shift > 0, TFLite computes x * 2^shift in int32: inputs for which that overflows are outside
// TFLite's contract; here the product wraps modulo 2^32 (never undefined behaviour), which is also
// what every SIMD variant does.
int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift,
                                      Rounding rounding = Rounding::kDouble);

// TFLite's MultiplyByQuantizedMultiplier(int64 x, multiplier, shift), used by the int16x8 kernels;
// the same in both rounding builds. The multiplier is first reduced to 16 bits (saturating at
// 0x7FFF), then result = floor((x*rm + 2^(14-shift)) / 2^(15-shift)).
// Contract: |x| < 2^47, shift in [-31, 7]; the result is truncated to int32 (TFLite does the same).
int32_t MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier, int shift);

}  // namespace qk

#endif  // QKERNELS_REQUANTIZE_H_
