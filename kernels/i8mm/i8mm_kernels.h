// Internal declarations of the qk::i8mm microkernels (no intrinsics).
#ifndef QKERNELS_KERNELS_I8MM_I8MM_KERNELS_H_
#define QKERNELS_KERNELS_I8MM_I8MM_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace qk {
namespace i8mm {

void qs8_gemm_4x16c8__i8mm(size_t kpad, const void* const* a_rows, const void* b_panel,
                           int32_t a_zero_point, int32_t* acc);

}  // namespace i8mm
}  // namespace qk

#endif  // QKERNELS_KERNELS_I8MM_I8MM_KERNELS_H_
