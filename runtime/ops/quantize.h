// QUANTIZE and DEQUANTIZE as TFLite Micro 90b983c runs them: micro/kernels/quantize_common.cc
// PrepareQuantizeReference / EvalQuantizeReference (multiplier = QuantizeMultiplier(double(
// input_scale) / double(output_scale))) with reference_ops::Requantize (kernels/internal/
// reference/requantize.h) between integer types and reference_ops::AffineQuantize (reference/
// quantize.h) from float; micro/kernels/dequantize.cc with reference_ops::Dequantize
// (reference/dequantize.h). Type pairs TFLite Micro supports: float32 -> int8/int16; int8 ->
// int8/uint8/int16/int32; uint8 -> int8; int16 -> int8/int16/int32; int32 -> int8/int16;
// int8/uint8/int16 -> float32. Also run, as full TFLite's quantize.cc does: float32 -> uint8 and
// uint8 -> uint8.
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

// out = clamp(int32(round(in / float(scale))) + zero_point); TFLite's float-to-int32 cast is
// undefined outside int32, this saturates there.
template <typename Out>
void AffineQuantize(const float* input, size_t n, float scale, int32_t zero_point, Out* output);

// out = float(double(scale) * (in - zero_point)).
template <typename In>
void Dequantize(const In* input, size_t n, float scale, int32_t zero_point, float* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_QUANTIZE_H_
