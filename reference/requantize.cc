// Scalar requantization primitives, written after gemmlowp's fixedpoint.h and TFLite's
// quantization_util.cc / common.h; these define what every SIMD variant must reproduce.
#include "qkernels/requantize.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace qk {

QuantizedMultiplier QuantizeMultiplier(double real_multiplier, Rounding rounding) {
  if (!(real_multiplier > 0.0) || std::isinf(real_multiplier)) return {0, 0};
  int exponent = 0;
  const double q = std::frexp(real_multiplier, &exponent);  // q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(1LL << 31)));
  if (q_fixed == (1LL << 31)) {  // q rounded up to 1.0: renormalise to 0.5 * 2^(e+1)
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) return {0, 0};  // below int32 resolution: TFLite flushes to zero
  if (rounding == Rounding::kSingle && exponent > 30) {
    return {std::numeric_limits<int32_t>::max(), 30};
  }
  return {static_cast<int32_t>(q_fixed), exponent};
}

double EffectiveScalePerChannel(float input_scale, float filter_scale, float output_scale) {
  return static_cast<double>(input_scale) * static_cast<double>(filter_scale) /
         static_cast<double>(output_scale);
}

double EffectiveScalePerTensor(float input_scale, float filter_scale, float output_scale) {
  const float product = input_scale * filter_scale;  // rounded to float, as TFLite does
  return static_cast<double>(product) / static_cast<double>(output_scale);
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == a) {
    return std::numeric_limits<int32_t>::max();  // (-1) * (-1) = +1 is not representable in Q31
  }
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  // gemmlowp: add a nudge of +-2^30 and divide by 2^31 truncating toward zero; this equals
  // floor((ab + 2^30) / 2^31), i.e. round(ab / 2^31) with ties toward +inf.
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}

int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  if (exponent < 0) exponent = 0;
  if (exponent > 31) exponent = 31;
  const int64_t mask = (1LL << exponent) - 1;
  const int64_t remainder = static_cast<int64_t>(x) & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);  // ties round away from zero
  return static_cast<int32_t>((static_cast<int64_t>(x) >> exponent) +
                              (remainder > threshold ? 1 : 0));
}

int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift,
                                      Rounding rounding) {
  // Out-of-contract shifts are clamped so that no shift below is undefined.
  if (shift < -31) shift = -31;
  if (shift > 30) shift = 30;
  if (rounding == Rounding::kSingle) {
    // round(x * M0 * 2^(shift-31)), ties toward +inf, in one 64-bit step (|x*M0| < 2^62).
    const int total_shift = 31 - shift;
    const int64_t round = int64_t{1} << (total_shift - 1);
    const int64_t result = (static_cast<int64_t>(x) * multiplier + round) >> total_shift;
    return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(result)));
  }
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // x * 2^left_shift: inside the contract it fits int32; outside it wraps (never UB).
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(shifted, multiplier), right_shift);
}

int32_t MultiplyByQuantizedMultiplier(int64_t x, int32_t multiplier, int shift) {
  // TFLite reduces the Q31 multiplier to Q15 (rounding), saturating at 0x7FFF.
  const int64_t reduced =
      multiplier < 0x7FFF0000 ? (static_cast<int64_t>(multiplier) + (1 << 15)) >> 16 : 0x7FFF;
  if (shift < -31) shift = -31;
  if (shift > 7) shift = 7;
  const int total_shift = 15 - shift;
  const uint64_t round = uint64_t{1} << (total_shift - 1);
  // Unsigned arithmetic: inside the contract (|x| < 2^47) nothing wraps; outside, no UB.
  const uint64_t sum = static_cast<uint64_t>(x) * static_cast<uint64_t>(reduced) + round;
  const int64_t result = static_cast<int64_t>(sum) >> total_shift;
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(result)));
}

}  // namespace qk
