// AVX-512 VNNI depthwise conv2d (int8, depth multiplier 1).
#ifndef QKERNELS_KERNELS_AVX512VNNI_DWCONV_AVX512VNNI_H_
#define QKERNELS_KERNELS_AVX512VNNI_DWCONV_AVX512VNNI_H_

#include "src/kernel.h"

namespace qk {
namespace avx512vnni {

bool DwApplies(const internal::OpDesc& d);
void PackDw(const internal::OpDesc& d, internal::PackedData* p);
void RunDw(const internal::OpDesc& d, const internal::PackedData& p, const void* input,
           void* output, void* workspace);

}  // namespace avx512vnni
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX512VNNI_DWCONV_AVX512VNNI_H_
