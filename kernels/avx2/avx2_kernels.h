// The AVX2 kernel entry points registered in avx2_table.cc (declarations only; this folder only).
#ifndef QKERNELS_KERNELS_AVX2_AVX2_KERNELS_H_
#define QKERNELS_KERNELS_AVX2_AVX2_KERNELS_H_

#include "src/kernel.h"

namespace qk {
namespace avx2 {

using internal::OpDesc;
using internal::PackedData;

// conv_gemm_avx2.cc: int8/uint8 through the 6x16c2 int16 GEMM (pack: PackGemmWeights).
void ConvIgemmRun(const OpDesc& d, const PackedData& data, const void* input, void* output,
                  void* workspace);
void PointwiseGemmRun(const OpDesc& d, const PackedData& data, const void* input, void* output,
                      void* workspace);

// gemm16x8_avx2.cc: int16x8 conv2d / fully connected through the same GEMM, int64 accumulators.
void PackGemm16x8Weights(const OpDesc& d, PackedData* data);
void ConvIgemm16x8Run(const OpDesc& d, const PackedData& data, const void* input, void* output,
                      void* workspace);
void PointwiseGemm16x8Run(const OpDesc& d, const PackedData& data, const void* input,
                          void* output, void* workspace);

// fc_gemv_avx2.cc: int8/uint8 fully connected, 8 outputs x 16 inputs per step.
void PackGemvWeights(const OpDesc& d, PackedData* data);
size_t GemvWorkspaceBytes(const OpDesc& d);
void GemvRun(const OpDesc& d, const PackedData& data, const void* input, void* output,
             void* workspace);

// dwconv_avx2.cc: int8/uint8/int16x8 depthwise conv2d, 16 channels x 2 taps per step.
void PackDwWeights(const OpDesc& d, PackedData* data);
size_t DwWorkspaceBytes(const OpDesc& d);
void DwRun(const OpDesc& d, const PackedData& data, const void* input, void* output,
           void* workspace);

}  // namespace avx2
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX2_AVX2_KERNELS_H_
