// Quantized softmax exactly as TFLite Micro 90b983c runs it for int8 input: micro/kernels/
// softmax_common.cc CalculateSoftmaxParams (PreprocessSoftmaxScaling(beta, input_scale, 5) and
// CalculateInputRadius, in double) and reference_ops::Softmax<InputT, OutputT>
// (kernels/internal/reference/softmax.h): per row, the differences to the row's maximum that are
// >= diff_min go through gemmlowp's exp_on_negative_values in Q5.26, their sum in Q12.19 through
// GetReciprocal, and each output is RoundingDivideByPOT(scale * exp, num_bits_over_unit + 31 -
// bits(OutputT)) + the output type's minimum, clamped. Outputs: int8 (scale 1/256, zero point
// -128) or int16 (scale 1/65536, zero point -32768).
//
// TFLite Micro aborts (TFLITE_CHECK) when that shift leaves [0, 31], which happens for int8
// output once a row's sum of exponentials reaches 512; these functions return false there.
// TFLite Micro has no uint8 softmax; uint8 runs the same template (as full TFLite's reference
// kernel does). int16 input (TFLite Micro's SoftmaxInt16, whose tables are built with float
// expf) is not supported. Full TFLite's default (optimized) int8 kernel uses lookup tables built
// in float (optimized_ops::Softmax / SoftmaxInt8LUT) and can differ from this; its reference
// kernel is this one.
#ifndef QKERNELS_RUNTIME_OPS_SOFTMAX_H_
#define QKERNELS_RUNTIME_OPS_SOFTMAX_H_

#include <array>
#include <cstdint>
#include <string>

namespace qk {
namespace rt {
namespace ops {

struct SoftmaxParams {
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
  int diff_min = 0;
  // exp_of_diff[i]: exp_on_negative_values(scaled difference) in Q0.31 for the 8-bit difference
  // -i (input - row maximum), i in [0, 255]; 0 where -i < diff_min (those never count). For
  // 8-bit input the exponential is a function of that difference alone, so PrepareSoftmax
  // evaluates it once per difference with the reference's own arithmetic and Softmax looks it
  // up: the same int32 values, without two exponentials per element.
  std::array<int32_t, 256> exp_of_diff{};
  int outer = 0;  // rows
  int depth = 0;  // last dimension
};

// CalculateSoftmaxParams for 8-bit input. Fails (TFLite would abort) when beta * input_scale is
// too small to give a multiplier above one.
bool PrepareSoftmax(float beta, float input_scale, SoftmaxParams* params, std::string* error);

// Return false for a row whose output shift leaves [0, 31] (see above).
bool Softmax(const SoftmaxParams& params, const int8_t* input, int8_t* output);
bool Softmax(const SoftmaxParams& params, const int8_t* input, int16_t* output);
bool Softmax(const SoftmaxParams& params, const uint8_t* input, uint8_t* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_SOFTMAX_H_
