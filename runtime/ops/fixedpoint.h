// Scalar int32 fixed-point arithmetic as gemmlowp's fixedpoint/fixedpoint.h defines it (the
// functions TFLite's quantized softmax uses), written for raw int32 values. A value "F<n>" has n
// integer bits and 31 - n fractional bits. Every function here equals gemmlowp's for all inputs;
// tests/runtime_ops_test.cc checks that against the installed gemmlowp header when present.
#ifndef QKERNELS_RUNTIME_OPS_FIXEDPOINT_H_
#define QKERNELS_RUNTIME_OPS_FIXEDPOINT_H_

#include <cstdint>
#include <limits>

#include "qkernels/requantize.h"

namespace qk {
namespace rt {
namespace fixedpoint {

inline int32_t WrapAdd(int32_t a, int32_t b) { return int32_t(uint32_t(a) + uint32_t(b)); }
inline int32_t WrapSub(int32_t a, int32_t b) { return int32_t(uint32_t(a) - uint32_t(b)); }

// F<a> * F<b> -> F<a+b>: gemmlowp's operator* is SaturatingRoundingDoublingHighMul on the raws.
inline int32_t Mul(int32_t a, int32_t b) { return SaturatingRoundingDoublingHighMul(a, b); }

// gemmlowp RoundingHalfSum: (a + b) / 2 rounded half away from zero.
inline int32_t RoundingHalfSum(int32_t a, int32_t b) {
  const int64_t sum = int64_t(a) + int64_t(b);
  const int64_t sign = sum >= 0 ? 1 : -1;
  return int32_t((sum + sign) / 2);
}

// gemmlowp SaturatingRoundingMultiplyByPOT<exponent>: x * 2^exponent, saturating for exponent > 0,
// RoundingDivideByPOT for exponent < 0.
inline int32_t SaturatingRoundingMultiplyByPOT(int32_t x, int exponent) {
  if (exponent > 0) {
    const int32_t threshold = int32_t((int64_t(1) << (31 - exponent)) - 1);
    if (x > threshold) return std::numeric_limits<int32_t>::max();
    if (x < -threshold) return std::numeric_limits<int32_t>::min();
    return int32_t(uint32_t(x) << exponent);
  }
  if (exponent < 0) return RoundingDivideByPOT(x, -exponent);
  return x;
}

// gemmlowp Rescale<dst_bits>(F<src_bits>): the same real value with dst_bits integer bits.
inline int32_t Rescale(int32_t x, int src_integer_bits, int dst_integer_bits) {
  return SaturatingRoundingMultiplyByPOT(x, src_integer_bits - dst_integer_bits);
}

// gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl: F0 -> F0, Taylor expansion
// of exp around -1/8.
inline int32_t ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(int32_t a) {
  const int32_t constant_term = 1895147668;     // exp(-1/8) in F0
  const int32_t constant_1_over_3 = 715827883;  // 1/3 in F0
  const int32_t x = WrapAdd(a, int32_t(1) << 28);  // a + 1/8
  const int32_t x2 = Mul(x, x);
  const int32_t x3 = Mul(x2, x);
  const int32_t x4 = Mul(x2, x2);
  const int32_t x4_over_4 = SaturatingRoundingMultiplyByPOT(x4, -2);
  const int32_t x4_over_24_plus_x3_over_6_plus_x2_over_2 = SaturatingRoundingMultiplyByPOT(
      WrapAdd(Mul(WrapAdd(x4_over_4, x3), constant_1_over_3), x2), -1);
  return WrapAdd(constant_term,
                 Mul(constant_term, WrapAdd(x, x4_over_24_plus_x3_over_6_plus_x2_over_2)));
}

// gemmlowp exp_on_negative_values(F<integer_bits> a) -> F0, for a <= 0.
inline int32_t ExpOnNegativeValues(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = int32_t(1) << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = WrapSub(a & mask, one_quarter);
  int32_t result = ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(
      Rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const int32_t remainder = WrapSub(a_mod_quarter_minus_one_quarter, a);
  // Barrel shifter: multiply by exp(-2^e) for each set bit of the remainder.
  struct Step {
    int exponent;
    int32_t multiplier;  // exp(-2^exponent) in F0
  };
  static constexpr Step kSteps[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084},
                                    {1, 290630308},   {2, 39332535},    {3, 720401},
                                    {4, 242}};
  for (const Step& s : kSteps) {
    if (integer_bits > s.exponent) {
      const int shift = fractional_bits + s.exponent;
      if (remainder & (int32_t(1) << shift)) result = Mul(result, s.multiplier);
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -(int32_t(1) << (36 - integer_bits));  // -32.0
    if (a < clamp) result = 0;
  }
  if (a == 0) result = std::numeric_limits<int32_t>::max();  // F0 "one"
  return result;
}

// gemmlowp one_over_one_plus_x_for_x_in_0_1: F0 -> F0, 1 / (1 + x) by Newton-Raphson.
inline int32_t OneOverOnePlusXForXIn01(int32_t a) {
  const int32_t half_denominator = RoundingHalfSum(a, std::numeric_limits<int32_t>::max());
  const int32_t constant_48_over_17 = 1515870810;       // F2
  const int32_t constant_neg_32_over_17 = -1010580540;  // F2
  int32_t x = WrapAdd(constant_48_over_17, Mul(half_denominator, constant_neg_32_over_17));  // F2
  const int32_t one_f2 = int32_t(1) << 29;
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = Mul(half_denominator, x);                // F2
    const int32_t one_minus_half_denominator_times_x = WrapSub(one_f2, half_denominator_times_x);
    x = WrapAdd(x, Rescale(Mul(x, one_minus_half_denominator_times_x), 4, 2));       // F4 -> F2
  }
  // ExactMulByPot<-1> keeps the raw value as F1; then rescale F1 -> F0.
  return Rescale(x, 1, 0);
}

// TFLite GetReciprocal (kernels/internal/common.h): 1 / x for x in F<x_integer_digits>, returned
// in F0 together with the number of bits the result must still be shifted right.
inline int32_t GetReciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const uint32_t ux = uint32_t(x);
  int headroom_plus_one = 0;
  if (ux == 0) {
    headroom_plus_one = 32;
  } else {
    while (!(ux & (uint32_t(1) << (31 - headroom_plus_one)))) ++headroom_plus_one;
  }
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const uint32_t shifted = headroom_plus_one >= 32 ? 0u : (ux << headroom_plus_one);
  const int32_t shifted_sum_minus_one = int32_t(shifted - (uint32_t(1) << 31));
  return OneOverOnePlusXForXIn01(shifted_sum_minus_one);
}

}  // namespace fixedpoint
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_FIXEDPOINT_H_
