// QUANTIZE and DEQUANTIZE as TFLite Micro's reference kernels run them:
// reference_ops::Requantize (8/16-bit to 8/16-bit), reference_ops::AffineQuantize (float to
// integer) and reference_ops::Dequantize (integer to float).
#ifndef QKERNELS_RUNTIME_OPS_QUANTIZE_H_
#define QKERNELS_RUNTIME_OPS_QUANTIZE_H_

#include <cstddef>
#include <cstdint>

namespace qk {
namespace rt {
namespace ops {

// out = clamp(MultiplyByQuantizedMultiplier(in - input_zp, multiplier, shift) + output_zp), with
// multiplier/shift = QuantizeMultiplier(double(input_scale) / double(output_scale)).
template <typename In, typename Out>
void Requantize(const In* input, size_t n, int32_t multiplier, int shift, int32_t input_zp,
                int32_t output_zp, Out* output);

// out = clamp(int32(round(in / float(scale))) + zero_point).
template <typename Out>
void AffineQuantize(const float* input, size_t n, float scale, int32_t zero_point, Out* output);

// out = float(double(scale) * (in - zero_point)).
template <typename In>
void Dequantize(const In* input, size_t n, float scale, int32_t zero_point, float* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_QUANTIZE_H_
