// Internal declarations of the qk::neon kernels that the NEON table registers (no intrinsics).
#ifndef QKERNELS_KERNELS_NEON_NEON_KERNELS_H_
#define QKERNELS_KERNELS_NEON_NEON_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "src/kernel.h"

namespace qk {
namespace neon {

void qs8_gemm_4x8c8__neon(size_t kpad, const void* const* a, const void* b, int32_t zp,
                          int32_t* acc);
void qu8_gemm_4x8c8__neon(size_t kpad, const void* const* a, const void* b, int32_t zp,
                          int32_t* acc);

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

}  // namespace neon
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEON_NEON_KERNELS_H_
