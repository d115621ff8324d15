// The Armv8.2 dotprod kernels registered in neondot_table.cc (declarations only, no intrinsics).
#ifndef QKERNELS_KERNELS_NEONDOT_NEONDOT_KERNELS_H_
#define QKERNELS_KERNELS_NEONDOT_NEONDOT_KERNELS_H_

#include "kernels/driver/gemm_conv_driver.h"
#include "kernels/driver/gemv_driver.h"

namespace qk {
namespace neondot {

// gemm_conv_4x16c4__neondot.cc: int8 conv2d and fully connected.
extern const driver::GemmConvConfig kGemmConv;

// gemv_1x4c16__neondot.cc: int8 fully connected with fewer than 4 batch rows.
extern const driver::GemvConfig kGemv;
bool GemvApplies(const internal::OpDesc& d);
void PackGemv(const internal::OpDesc& d, internal::PackedData* data);

}  // namespace neondot
}  // namespace qk

#endif  // QKERNELS_KERNELS_NEONDOT_NEONDOT_KERNELS_H_
