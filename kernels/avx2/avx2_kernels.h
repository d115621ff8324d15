// The AVX2 kernel entry points registered in avx2_table.cc (declarations only; this folder only).
#ifndef QKERNELS_KERNELS_AVX2_AVX2_KERNELS_H_
#define QKERNELS_KERNELS_AVX2_AVX2_KERNELS_H_

#include "kernels/driver/dwconv_driver.h"
#include "kernels/driver/gemm_conv_driver.h"
#include "kernels/driver/gemv_driver.h"
#include "core/kernel.h"

namespace qk {
namespace avx2 {

using internal::OpDesc;
using internal::PackedData;

// gemm_conv_6x16c2__avx2.cc: conv2d and fully connected, int8, uint8 and int16x8.
extern const driver::GemmConvConfig kGemmConv;

// gemv_1x8c16__avx2.cc: int8/uint8 fully connected, 8 outputs x 16 inputs per step.
extern const driver::GemvConfig kGemv;
void PackGemvWeights(const OpDesc& d, PackedData* data);

// dwconv_16c2__avx2.cc: int8/uint8/int16x8 depthwise conv2d, 16 channels x 2 taps per step.
extern const driver::DwConvConfig kDwConv;
void PackDwWeights(const OpDesc& d, PackedData* data);

}  // namespace avx2
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX2_AVX2_KERNELS_H_
