// The AVX-512 VNNI kernels registered in avx512vnni_table.cc (declarations only, no intrinsics).
#ifndef QKERNELS_KERNELS_AVX512VNNI_AVX512VNNI_KERNELS_H_
#define QKERNELS_KERNELS_AVX512VNNI_AVX512VNNI_KERNELS_H_

#include "kernels/driver/dwconv_driver.h"
#include "kernels/driver/gemm_conv_driver.h"
#include "kernels/driver/smallk_conv_driver.h"

namespace qk {
namespace avx512vnni {

// gemm_conv_6x64c4__avx512vnni.cc: conv2d and fully connected, int8 and uint8.
extern const driver::GemmConvConfig kGemmConv;

// smallk_conv_8x32c4__avx512vnni.cc: int8 conv2d with K of at most 16 groups of 4 bytes and at
// most 32 output channels, straight from a padded band of the image.
extern const driver::SmallKConfig kSmallKConv;
bool SmallKConvApplies(const internal::OpDesc& d);
void PackSmallKConv(const internal::OpDesc& d, internal::PackedData* p);

// dwconv_64c4__avx512vnni.cc: int8 depthwise conv2d (kernels of at most 64 taps).
extern const driver::DwConvConfig kDwConv;
bool DwApplies(const internal::OpDesc& d);
void PackDw(const internal::OpDesc& d, internal::PackedData* p);

}  // namespace avx512vnni
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX512VNNI_AVX512VNNI_KERNELS_H_
