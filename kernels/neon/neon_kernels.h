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

// gemm_conv_4x8c1__neon.cc: int8 and uint8 conv2d and fully connected (int16 products).
extern const driver::GemmConvConfig kGemmConv;
// gemm_conv_2x8c16__neon.cc: int8 conv2d and fully connected whose weights lie in [-127, 127]
// (pairs of int8 products summed in int16).
extern const driver::GemmConvConfig kGemmConvPairs;
// gemm_conv_4x4c16__neon.cc: the same for in-order cores (Cortex-A53/A55): a 4x4 tile in a loop
// ordered for in-order issue.
extern const driver::GemmConvConfig kGemmConvPairsInOrder;

// dwconv_8c1__neon.cc: int8 and uint8 depthwise conv2d; qs16x8_dwconv_4c1__neon.cc: int16x8.
extern const driver::DwConvConfig kDwConv;
extern const driver::DwConvConfig kDwConv16;
void PackDw8(const internal::OpDesc& d, internal::PackedData* data);
void PackDw16(const internal::OpDesc& d, internal::PackedData* data);

// qs16x8_gemm_conv_4x8c1__neon.cc: int16x8 conv2d and fully connected (int64 accumulators).
extern const driver::GemmConvConfig kGemmConv16;

}  // namespace neon
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEON_NEON_KERNELS_H_
