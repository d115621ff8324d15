// Average and max pooling exactly as TFLite Micro 90b983c runs them: micro/kernels/
// pooling_common.cc PoolingPrepare (ComputePaddingHeightWidth with dilation 1; input and output
// quantization must agree; CalculateActivationRangeQuantized) and reference_integer_ops::
// AveragePool / MaxPool (kernels/internal/reference/integer_ops/pooling.h) for int8 and int16:
// the window is clipped to the image, padding taps are not counted, and the average is the int32
// sum of the taps divided by their count rounding half away from zero,
//   acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count,
// then clamped to the fused activation range; the max starts at the type's lowest value.
// TFLite Micro has no uint8 pooling; uint8 runs reference_ops' uint8 AveragePool / MaxPool
// (reference/pooling.h), which round and clamp the same way.
#ifndef QKERNELS_RUNTIME_OPS_POOLING_H_
#define QKERNELS_RUNTIME_OPS_POOLING_H_

#include <cstdint>

namespace qk {
namespace rt {
namespace ops {

struct PoolParams {
  int batch = 1, in_h = 0, in_w = 0, channels = 0;
  int out_h = 0, out_w = 0;
  int filter_h = 1, filter_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;  // top / left padding
  int32_t act_min = -128, act_max = 127;
};

// Whether every window sum of `max_abs`-sized values (plus the rounding term) fits TFLite's int32
// accumulator; callers refuse geometries where it could overflow.
bool AveragePoolFitsInt32(const PoolParams& p, int32_t max_abs);

// TFLite returns false for a window with no tap inside the image (its Prepare-time geometry never
// produces one); so do these.
bool AveragePool(const PoolParams& p, const int8_t* input, int8_t* output);
bool AveragePool(const PoolParams& p, const int16_t* input, int16_t* output);
bool AveragePool(const PoolParams& p, const uint8_t* input, uint8_t* output);
void MaxPool(const PoolParams& p, const int8_t* input, int8_t* output);
void MaxPool(const PoolParams& p, const int16_t* input, int16_t* output);
void MaxPool(const PoolParams& p, const uint8_t* input, uint8_t* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_POOLING_H_
