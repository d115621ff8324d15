// Quantized softmax exactly as TFLite's reference_ops::Softmax (kernels/internal/reference/
// softmax.h, the LUT-free fixed-point path TFLite Micro's reference kernel runs for int8).
#ifndef QKERNELS_RUNTIME_OPS_SOFTMAX_H_
#define QKERNELS_RUNTIME_OPS_SOFTMAX_H_

#include <cstdint>
#include <string>

namespace qk {
namespace rt {
namespace ops {

struct SoftmaxParams {
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
  int diff_min = 0;
  int outer = 0;  // rows
  int depth = 0;  // last dimension
};

// TFLite Micro's CalculateSoftmaxParams for 8-bit input: PreprocessSoftmaxScaling(beta,
// input_scale, kScaledDiffIntegerBits = 5) and CalculateInputRadius. Fails (TFLite would abort)
// when beta * input_scale is too small to give a multiplier above one.
bool PrepareSoftmax(float beta, float input_scale, SoftmaxParams* params, std::string* error);

// int8 -> int8 (output zero point -128, scale 1/256) and uint8 -> uint8 (zero point 0).
void SoftmaxInt8(const SoftmaxParams& params, const int8_t* input, int8_t* output);
void SoftmaxUInt8(const SoftmaxParams& params, const uint8_t* input, uint8_t* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_SOFTMAX_H_
