// The plain NEON (Armv8.0) kernels registered in neon_table.cc (declarations only, no intrinsics).
#ifndef QKERNELS_KERNELS_NEON_NEON_KERNELS_H_
#define QKERNELS_KERNELS_NEON_NEON_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "kernels/driver/gemm_conv_driver.h"
#include "src/kernel.h"

namespace qk {
namespace neon {

// gemm_conv_4x8c8__neon.cc: int8 and uint8 conv2d and fully connected.
extern const driver::GemmConvConfig kGemmConv;

// Depthwise int8 and uint8 (any depth multiplier).
bool DepthMultiplierIsOne(const internal::OpDesc& d);
bool AlwaysApplies(const internal::OpDesc& d);
void PackDepthwise(const internal::OpDesc& d, internal::PackedData* data);
void RunDepthwise(const internal::OpDesc& d, const internal::PackedData& p, const void* input,
                  void* output, void* workspace);
// int16x8 depthwise, depth multiplier 1 (weights packed by PackDepthwise: filter_zp is 0).
void RunDepthwiseInt16(const internal::OpDesc& d, const internal::PackedData& p,
                       const void* input, void* output, void* workspace);

// int16x8 conv2d and fully connected: int16 activations, int8 weights, int64 accumulators.
void PackConvInt16(const internal::OpDesc& d, internal::PackedData* data);
void RunConvInt16(const internal::OpDesc& d, const internal::PackedData& p, const void* input,
                  void* output, void* workspace);

// out[i] = clamp(MultiplyByQuantizedMultiplier(acc[i] + bias[i], multiplier[i], shift[i]) +
// output_zp, act_min, act_max) for n consecutive channels, stored as int8 or uint8 (d.type).
// Reads exactly n entries of each array and writes exactly n outputs.
void RequantizeRow(const internal::OpDesc& d, const int32_t* acc, const int32_t* bias,
                   const int32_t* multiplier, const int32_t* shift, int n, void* out);

}  // namespace neon
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEON_NEON_KERNELS_H_
