// AVX-512 VNNI GEMM-based convolution / fully connected (int8 and uint8): packed weights,
// A rows packed per row block into the caller's workspace, MR x NR vpdpbusd register tiles.
#ifndef QKERNELS_KERNELS_AVX512VNNI_GEMM_AVX512VNNI_H_
#define QKERNELS_KERNELS_AVX512VNNI_GEMM_AVX512VNNI_H_

#include <cstddef>

#include "src/kernel.h"

namespace qk {
namespace avx512vnni {

// Register tile: kMR output pixels x kNR output channels, KR = 4 (one vpdpbusd lane).
constexpr int kMR = 6;
constexpr int kNV = 4;
constexpr int kNR = 16 * kNV;

// Packs weights and the per-channel block [bias'][multiplier][shift] (bias' holds the folded
// zero-point compensation) for conv2d (any geometry) or fully connected, int8 or uint8.
void PackGemm(const internal::OpDesc& d, internal::PackedData* p);
size_t GemmWorkspaceBytes(const internal::OpDesc& d);
// im2col: general convolution; otherwise the A rows are the input pixels (pointwise conv, FC).
void RunGemm(const internal::OpDesc& d, const internal::PackedData& p, const void* input,
             void* output, void* workspace, bool im2col);

}  // namespace avx512vnni
}  // namespace qk

#endif  // QKERNELS_KERNELS_AVX512VNNI_GEMM_AVX512VNNI_H_
