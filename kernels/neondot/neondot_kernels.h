// Internal declarations of the qk::neondot microkernels (no intrinsics).
#ifndef QKERNELS_KERNELS_NEONDOT_NEONDOT_KERNELS_H_
#define QKERNELS_KERNELS_NEONDOT_NEONDOT_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace qk {
namespace neondot {

void qs8_gemm_4x16c4__neondot(size_t kpad, const void* const* a_rows, const void* b_panel,
                              int32_t a_zero_point, int32_t* acc);

}  // namespace neondot
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEONDOT_NEONDOT_KERNELS_H_
