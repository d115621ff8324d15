// The Armv8.6 i8mm kernels registered in i8mm_table.cc (declarations only, no intrinsics).
#ifndef QKERNELS_KERNELS_I8MM_I8MM_KERNELS_H_
#define QKERNELS_KERNELS_I8MM_I8MM_KERNELS_H_

#include "kernels/driver/gemm_conv_driver.h"

namespace qk {
namespace i8mm {

// gemm_conv_4x16c8__i8mm.cc: int8 conv2d and fully connected.
extern const driver::GemmConvConfig kGemmConv;

}  // namespace i8mm
}  // namespace qk

#endif  // QKERNELS_KERNELS_I8MM_I8MM_KERNELS_H_
