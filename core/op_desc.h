// Internal: a validated, fully resolved description of one op, shared by every kernel.
#ifndef QKERNELS_CORE_OP_DESC_H_
#define QKERNELS_CORE_OP_DESC_H_

#include <cstddef>
#include <cstdint>

#include "qkernels/requantize.h"
#include "qkernels/types.h"

namespace qk {
namespace internal {

enum class OpKind { kConv2D, kDepthwiseConv2D, kFullyConnected };
const char* OpKindName(OpKind op);

// Fully connected is described as a 1x1 convolution over a batch x 1 x 1 image:
// in_c = input depth, out_c = output depth, out_h = out_w = kernel = 1.
struct OpDesc {
  OpKind op = OpKind::kConv2D;
  DataType type = DataType::kInt8;
  int batch = 1;
  int in_h = 1, in_w = 1, in_c = 0;
  int out_h = 1, out_w = 1, out_c = 0;
  int kernel_h = 1, kernel_w = 1;
  int groups = 1;            // conv2d only
  int depth_multiplier = 1;  // depthwise only
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
  int pad_top = 0, pad_left = 0;  // bottom/right padding is implied by out_h/out_w
  int32_t input_zp = 0, filter_zp = 0, output_zp = 0;
  int32_t act_min = -128, act_max = 127;
  Rounding rounding = Rounding::kDouble;
  bool has_bias = false;

  // Filter elements per output channel (the GEMM K dimension).
  int KernelDepth() const {
    if (op == OpKind::kDepthwiseConv2D) return kernel_h * kernel_w;
    return kernel_h * kernel_w * (in_c / groups);
  }
  size_t InputElements() const { return size_t(batch) * in_h * in_w * in_c; }
  size_t OutputElements() const { return size_t(batch) * out_h * out_w * out_c; }
  size_t FilterElements() const {
    if (op == OpKind::kDepthwiseConv2D) return size_t(kernel_h) * kernel_w * out_c;
    return size_t(out_c) * KernelDepth();
  }
  bool IsPointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 &&
           pad_left == 0 && out_h == in_h && out_w == in_w;
  }
};

}  // namespace internal
}  // namespace qk

#endif  // QKERNELS_CORE_OP_DESC_H_
