// Test-only transcriptions of TFLite Micro 90b983c's scalar fixed-point helpers (default build:
// double rounding), written from the TFLite/gemmlowp sources and independent of qkernels'
// implementation, so that the op tests derive their expected values from the specification:
//   QuantizeMultiplier             kernels/internal/quantization_util.cc
//   SaturatingRoundingDoublingHighMul, RoundingDivideByPOT   gemmlowp fixedpoint/fixedpoint.h
//   MultiplyByQuantizedMultiplier  kernels/internal/common.cc (int32 x, double rounding)
// Where TFLite's C++ would overflow a signed int (its TFLITE_NO_SANITIZE_INTEGER_OVERFLOW
// paths), these wrap in two's complement, which is what the compiled TFLite does.
#ifndef QKERNELS_TESTS_TFLM_ARITH_H_
#define QKERNELS_TESTS_TFLM_ARITH_H_

#include <cmath>
#include <cstdint>
#include <limits>

namespace qk {
namespace tflm {

inline int32_t WrapAdd(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }

inline void QuantizeMultiplier(double double_multiplier, int32_t* quantized_multiplier,
                               int* shift) {
  if (double_multiplier == 0.) {
    *quantized_multiplier = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(double_multiplier, shift);
  auto q_fixed = static_cast<int64_t>(std::round(q * (1LL << 31)));
  if (q_fixed == (1LL << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  *quantized_multiplier = static_cast<int32_t>(q_fixed);
}

inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  const int64_t a_64(a);
  const int64_t b_64(b);
  const int64_t ab_64 = a_64 * b_64;
  const int32_t nudge = ab_64 >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t ab_x2_high32 = static_cast<int32_t>((ab_64 + nudge) / (1LL << 31));
  return overflow ? std::numeric_limits<int32_t>::max() : ab_x2_high32;
}

inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((1LL << exponent) - 1);
  const int32_t zero = 0;
  const int32_t one = 1;
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + ((x < zero ? ~0 : 0) & one);
  return (x >> exponent) + ((remainder > threshold ? ~0 : 0) & one);
}

inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t quantized_multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = int32_t(uint32_t(x) * (uint32_t(1) << left_shift));  // x * (1 << ls)
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(shifted, quantized_multiplier),
                             right_shift);
}

}  // namespace tflm
}  // namespace qk

#endif  // QKERNELS_TESTS_TFLM_ARITH_H_
