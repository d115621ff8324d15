// AVX-512 VNNI direct int8 conv2d for small K (at most 16 groups of 4 bytes per tap run layout)
// and narrow N (<= 32): first layers, read from a padded copy of a band of image rows in the
// workspace.
#ifndef QKERNELS_KERNELS_AVX512VNNI_CONV_SMALLK_AVX512VNNI_H_
#define QKERNELS_KERNELS_AVX512VNNI_CONV_SMALLK_AVX512VNNI_H_

#include "src/kernel.h"

namespace qk {
namespace avx512vnni {

bool SmallKConvApplies(const internal::OpDesc& d);
size_t SmallKConvWorkspaceBytes(const internal::OpDesc& d);
void PackSmallKConv(const internal::OpDesc& d, internal::PackedData* p);
void RunSmallKConv(const internal::OpDesc& d, const internal::PackedData& p, const void* input,
                   void* output, void* workspace);

}  // namespace avx512vnni
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX512VNNI_CONV_SMALLK_AVX512VNNI_H_
