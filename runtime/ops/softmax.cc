// Quantized softmax: TFLite's reference_ops::Softmax<InputT, OutputT> (see softmax.h).
#include "runtime/ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "qkernels/requantize.h"
#include "runtime/ops/fixedpoint.h"

namespace qk {
namespace rt {
namespace ops {
namespace {

constexpr int kScaledDiffIntegerBits = 5;     // input to exp() is Q5.26
constexpr int kAccumulationIntegerBits = 12;  // sum of exps is Q12.19

// TFLite MultiplyByQuantizedMultiplierGreaterThanOne (double-rounding build):
// SaturatingRoundingDoublingHighMul(x * 2^left_shift, multiplier). Callers keep |x| * 2^shift
// below 2^31 (input_diff >= diff_min); the shift is done in 64 bits so no input is UB.
int32_t MultiplyByQuantizedMultiplierGreaterThanOne(int32_t x, int32_t multiplier, int left_shift) {
  const int32_t shifted = int32_t(uint32_t(uint64_t(int64_t(x)) << left_shift));
  return SaturatingRoundingDoublingHighMul(shifted, multiplier);
}

// reference_ops::Softmax<T, Out>, with exp_on_negative_values(scaled input_diff) read from
// p.exp_of_diff (see softmax.h): index max_in_row - in[c], counted when input_diff >= diff_min.
template <typename T, typename Out>
bool SoftmaxImpl(const SoftmaxParams& p, const T* input, Out* output) {
  const int32_t* exp_of = p.exp_of_diff.data();
  const int32_t limit = -p.diff_min;  // input_diff >= diff_min <=> max - in <= limit
  for (int i = 0; i < p.outer; ++i) {
    const T* in = input + size_t(i) * p.depth;
    Out* out = output + size_t(i) * p.depth;
    T max_in_row = std::numeric_limits<T>::min();
    for (int c = 0; c < p.depth; ++c) max_in_row = std::max(max_in_row, in[c]);

    int32_t sum_of_exps = 0;  // Q12.19
    for (int c = 0; c < p.depth; ++c) {
      const int32_t neg_diff = int32_t(max_in_row) - in[c];
      if (neg_diff <= limit) {
        sum_of_exps = fixedpoint::WrapAdd(
            sum_of_exps, fixedpoint::Rescale(exp_of[neg_diff], 0, kAccumulationIntegerBits));
      }
    }

    int num_bits_over_unit = 0;
    const int32_t shifted_scale =
        fixedpoint::GetReciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);
    const int exponent = num_bits_over_unit + 31 - 8 * int(sizeof(Out));
    if (exponent < 0 || exponent > 31) return false;  // TFLite's TFLITE_CHECK aborts here

    for (int c = 0; c < p.depth; ++c) {
      const int32_t neg_diff = int32_t(max_in_row) - in[c];
      if (neg_diff <= limit) {
        const int32_t unsat_output =
            RoundingDivideByPOT(fixedpoint::Mul(shifted_scale, exp_of[neg_diff]), exponent);
        const int32_t shifted_output = unsat_output + int32_t(std::numeric_limits<Out>::min());
        out[c] = Out(std::max(std::min(shifted_output, int32_t(std::numeric_limits<Out>::max())),
                              int32_t(std::numeric_limits<Out>::min())));
      } else {
        out[c] = std::numeric_limits<Out>::min();
      }
    }
  }
  return true;
}

}  // namespace

bool PrepareSoftmax(float beta, float input_scale, SoftmaxParams* params, std::string* error) {
  // PreprocessSoftmaxScaling (double-rounding build: cap at 2^31 - 1).
  const double max_real_multiplier = double((int64_t(1) << 31) - 1);
  const double real_multiplier =
      std::min(double(beta) * double(input_scale) * double(int64_t(1) << (31 - kScaledDiffIntegerBits)),
               max_real_multiplier);
  if (!(real_multiplier > 1.0)) {
    *error = "softmax: beta * input scale too small (TFLite requires a multiplier above one)";
    return false;
  }
  const QuantizedMultiplier q = QuantizeMultiplier(real_multiplier);
  if (q.shift < 0 || q.shift > 31) {
    *error = "softmax: input scale out of range";
    return false;
  }
  params->input_multiplier = q.multiplier;
  params->input_left_shift = q.shift;
  // CalculateInputRadius(kScaledDiffIntegerBits, input_left_shift, 31).
  const double max_input_rescaled = 1.0 * ((1 << kScaledDiffIntegerBits) - 1) *
                                    double(int64_t(1) << (31 - kScaledDiffIntegerBits)) /
                                    double(int64_t(1) << q.shift);
  params->diff_min = -1 * int(std::floor(max_input_rescaled));
  // The exponential of every 8-bit difference that counts (reference/softmax.h's
  // MultiplyByQuantizedMultiplierGreaterThanOne then exp_on_negative_values<5>).
  for (int i = 0; i < 256; ++i) {
    const int32_t input_diff = -i;
    params->exp_of_diff[size_t(i)] =
        input_diff >= params->diff_min
            ? fixedpoint::ExpOnNegativeValues(
                  MultiplyByQuantizedMultiplierGreaterThanOne(input_diff, params->input_multiplier,
                                                              params->input_left_shift),
                  kScaledDiffIntegerBits)
            : 0;
  }
  return true;
}

bool Softmax(const SoftmaxParams& params, const int8_t* input, int8_t* output) {
  return SoftmaxImpl(params, input, output);
}
bool Softmax(const SoftmaxParams& params, const int8_t* input, int16_t* output) {
  return SoftmaxImpl(params, input, output);
}
bool Softmax(const SoftmaxParams& params, const uint8_t* input, uint8_t* output) {
  return SoftmaxImpl(params, input, output);
}

}  // namespace ops
}  // namespace rt
}  // namespace qk
