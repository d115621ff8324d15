// The plain NEON (Armv8.0) kernels registered in neon_table.cc (declarations only, no intrinsics).
#ifndef QKERNELS_KERNELS_NEON_NEON_KERNELS_H_
#define QKERNELS_KERNELS_NEON_NEON_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "kernels/driver/dwconv_driver.h"
#include "kernels/driver/gemm_conv_driver.h"
#include "core/kernel.h"

namespace qk {
namespace neon {

// gemm_conv_4x8c8__neon.cc: int8 and uint8 conv2d and fully connected.
extern const driver::GemmConvConfig kGemmConv;

// dwconv_8c__neon.cc: int8 and uint8 depthwise conv2d; dwconv_4c__neon.cc: int16x8.
extern const driver::DwConvConfig kDwConv;
extern const driver::DwConvConfig kDwConv16;
void PackDw8(const internal::OpDesc& d, internal::PackedData* data);
void PackDw16(const internal::OpDesc& d, internal::PackedData* data);

// int16x8 conv2d and fully connected: int16 activations, int8 weights, int64 accumulators.
void PackConvInt16(const internal::OpDesc& d, internal::PackedData* data);
void RunConvInt16(const internal::OpDesc& d, const internal::PackedData& p, const void* input,
                  void* output, void* workspace);

}  // namespace neon
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEON_NEON_KERNELS_H_
