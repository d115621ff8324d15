// 8-bit average and max pooling exactly as TFLite's reference_integer_ops::AveragePool / MaxPool
// (kernels/internal/reference/integer_ops/pooling.h) and reference_ops' uint8 versions.
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

// Average of the window taps inside the image, rounded half away from zero; TFLite returns an
// error for a window with no tap inside: so do these (false).
bool AveragePool(const PoolParams& p, const int8_t* input, int8_t* output);
bool AveragePool(const PoolParams& p, const uint8_t* input, uint8_t* output);
void MaxPool(const PoolParams& p, const int8_t* input, int8_t* output);
void MaxPool(const PoolParams& p, const uint8_t* input, uint8_t* output);

}  // namespace ops
}  // namespace rt
}  // namespace qk

#endif  // QKERNELS_RUNTIME_OPS_POOLING_H_
